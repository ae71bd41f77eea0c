// `labelloop serve` (the real binary of this build tree) as a child process on a free loopback
// port, for the crash tests (SQLite and PostgreSQL): started, asked over HTTP, killed with
// SIGKILL or stopped with SIGTERM.
#pragma once

#include <catch2/catch.hpp>
#include <httplib.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace labelloop::testing {

/// `labelloop serve` as a child process on a free loopback port.
class ChildServer {
public:
    /// Starts `labelloop serve --db db_path` with `extra` arguments (e.g. --job-lease 3),
    /// its output in log_path; returns once it listens (fails the test if it exits first).
    ChildServer(const std::string& db_path, const std::string& log_path,
                const std::vector<std::string>& extra = {}) {
        // argv is built before fork: the child of a threaded process may not allocate.
        std::vector<std::string> args = {LABELLOOP_SERVER_BINARY,
                                         "serve",
                                         "--db",
                                         db_path,
                                         "--host",
                                         "127.0.0.1",
                                         "--port",
                                         "0"};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        REQUIRE(out >= 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out, 1);
            ::dup2(out, 2);
            ::execv(LABELLOOP_SERVER_BINARY, argv.data());
            ::_exit(127);
        }
        ::close(out);
        // The server prints its address once it listens.
        static const std::regex running(R"(LabelLoop is running: open http://127\.0\.0\.1:(\d+)/)");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (port_ == 0) {
            std::ifstream in(log_path);
            const std::string text((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
            std::smatch m;
            if (std::regex_search(text, m, running)) {
                port_ = std::stoi(m[1].str());
                break;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                FAIL("the server exited at start: " << text);
            }
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~ChildServer() {
        if (pid_ > 0) {
            kill_hard();
        }
    }
    ChildServer(const ChildServer&) = delete;
    ChildServer& operator=(const ChildServer&) = delete;

    int port() const { return port_; }
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_connection_timeout(5);
        c.set_read_timeout(30);
        c.set_keep_alive(true);
        return c;
    }
    void kill_hard() {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    /// SIGTERM and the exit status (0: a clean shutdown, sanitizers content).
    int stop() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
    int port_ = 0;
};

} // namespace labelloop::testing
