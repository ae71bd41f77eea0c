// Test fixtures for server tests: a fresh temporary directory (SQLite file inside), and a
// real HttpServer on an ephemeral loopback port, stopped and joined by its destructor.
#pragma once

#include "http/http_server.hpp"
#include "service/services.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <thread>

namespace labelloop::testing {

class TempDir {
public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "labelloop-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary directory");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// A log the server thread writes while the test reads it: every access takes the lock.
class LockedLogBuffer : public std::streambuf {
public:
    std::string str() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return text_;
    }

protected:
    int_type overflow(int_type ch) override {
        if (ch != traits_type::eof()) {
            std::lock_guard<std::mutex> lock(mutex_);
            text_.push_back(static_cast<char>(ch));
        }
        return ch;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        std::lock_guard<std::mutex> lock(mutex_);
        text_.append(s, static_cast<std::size_t>(n));
        return n;
    }

private:
    mutable std::mutex mutex_;
    std::string text_;
};

/// A real server on 127.0.0.1 over a database file, like `labelloop serve`. By default the
/// file is fresh (in its own TempDir); pass a path to reopen an existing one.
class RunningServer {
public:
    RunningServer() : RunningServer(std::string()) {}
    explicit RunningServer(const std::string& db_path)
        : services_(std::make_unique<service::Services>(db_path.empty() ? dir_.file("labelloop.db")
                                                                        : db_path)) {
        server_ = std::make_unique<http::HttpServer>(
            *services_, http::ServerInfo{services_->store.schema_version()}, &log_);
        port_ = server_->bind("127.0.0.1", 0);
        thread_ = std::thread([this] { server_->run(); });
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!server_->is_running()) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("test server did not start");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    ~RunningServer() {
        server_->stop();
        thread_.join();
    }
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    int port() const { return port_; }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(5);
        c.set_read_timeout(60);
        return c;
    }
    std::string log() const { return log_buffer_.str(); }
    /// httplib logs a request after sending the answer, so a test waits for the line.
    bool wait_for_log(const std::string& text) const {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (log().find(text) == std::string::npos) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }
    service::Services& services() { return *services_; }
    store::Database& db() { return services_->store.connection(); }
    const TempDir& dir() const { return dir_; }

private:
    TempDir dir_;
    LockedLogBuffer log_buffer_;
    std::ostream log_{&log_buffer_};
    std::unique_ptr<service::Services> services_;
    std::unique_ptr<http::HttpServer> server_;
    int port_ = 0;
    std::thread thread_;
};

} // namespace labelloop::testing
