// A throwaway PostgreSQL server for tests: initdb + pg_ctl from Debian's `postgresql` package
// (scripts/install-deps.sh) in a fresh temporary directory, listening on a free loopback port
// and a Unix socket inside that directory, stopped and removed by the destructor. PostgreSQL
// refuses to run as root, so under root the server runs as `nobody` (the directory is handed
// to that user); otherwise as the current user. Authentication is `trust` on loopback only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace labelloop::testing {

class PostgresServer {
public:
    /// Starts the server; throws std::runtime_error naming the step that failed (with the
    /// server's log when it got that far).
    PostgresServer() {
        bin_ = find_bin_dir();
        run_as_ = run_as_user();
        make_dir();
        try {
            run({bin_ + "/initdb", "-D", data_dir(), "-U", kUser, "--auth=trust", "-E", "UTF8",
                 "--no-locale", "--no-sync"},
                "initdb");
            start();
        } catch (...) {
            remove_dir();
            throw;
        }
    }
    ~PostgresServer() {
        try {
            run({bin_ + "/pg_ctl", "-D", data_dir(), "-m", "fast", "-w", "stop"}, "pg_ctl stop");
        } catch (const std::exception&) {
            // Already gone (or never started); the directory goes either way.
        }
        remove_dir();
    }
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    int port() const { return port_; }
    /// A libpq connection string for the server's default database.
    std::string conninfo(const std::string& dbname = "postgres") const {
        return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + kUser +
               " dbname=" + dbname + " connect_timeout=10";
    }
    /// A postgresql:// URL for the same.
    std::string url(const std::string& dbname = "postgres") const {
        return "postgresql://" + std::string(kUser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
               dbname;
    }
    const std::string& dir() const { return dir_; }
    std::string log() const {
        std::ifstream in(dir_ + "/server.log");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

private:
    static constexpr const char* kUser = "labelloop";

    std::string data_dir() const { return dir_ + "/data"; }

    /// LABELLOOP_PG_BIN, else the newest /usr/lib/postgresql/<major>/bin with initdb.
    static std::string find_bin_dir() {
        if (const char* env = std::getenv("LABELLOOP_PG_BIN"); env != nullptr && *env != '\0') {
            return env;
        }
        std::string best;
        int best_major = -1;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
            const std::string name = entry.path().filename().string();
            const int major = std::atoi(name.c_str());
            if (major > best_major && std::filesystem::exists(entry.path() / "bin" / "initdb")) {
                best_major = major;
                best = (entry.path() / "bin").string();
            }
        }
        if (best.empty()) {
            throw std::runtime_error("PostgreSQL server binaries (initdb, pg_ctl) not found under "
                                     "/usr/lib/postgresql: run scripts/install-deps.sh (Debian's "
                                     "postgresql package) or set LABELLOOP_PG_BIN");
        }
        return best;
    }

    struct RunAs {
        bool switch_user = false;
        uid_t uid = 0;
        gid_t gid = 0;
    };

    static RunAs run_as_user() {
        RunAs r;
        if (::geteuid() != 0) {
            return r;
        }
        const passwd* pw = ::getpwnam("nobody");
        if (pw == nullptr) {
            throw std::runtime_error("running as root and there is no 'nobody' user to run "
                                     "PostgreSQL as (it refuses to run as root)");
        }
        r.switch_user = true;
        r.uid = pw->pw_uid;
        r.gid = pw->pw_gid;
        return r;
    }

    void make_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "labelloop-pg-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary directory for PostgreSQL");
        }
        dir_ = pattern;
        if (run_as_.switch_user && ::chown(dir_.c_str(), run_as_.uid, run_as_.gid) != 0) {
            remove_dir();
            throw std::runtime_error("cannot hand " + dir_ + " to the 'nobody' user");
        }
    }

    void remove_dir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// A free loopback TCP port (the kernel's pick; closed again before the server binds it).
    static int free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            throw std::runtime_error("cannot open a socket to find a free port");
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ::close(fd);
            throw std::runtime_error("cannot find a free loopback port");
        }
        ::close(fd);
        return ntohs(addr.sin_port);
    }

    void start() {
        // Another process may take the port between free_port() and the server's bind: try a
        // few ports before giving up.
        std::string last_error;
        for (int attempt = 0; attempt < 3; ++attempt) {
            port_ = free_port();
            const std::string options =
                "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port_) +
                " -c unix_socket_directories=" + dir_ + " -c max_connections=50";
            try {
                run({bin_ + "/pg_ctl", "-D", data_dir(), "-l", dir_ + "/server.log", "-o", options,
                     "-t", "60", "-w", "start"},
                    "pg_ctl start");
                return;
            } catch (const std::runtime_error& e) {
                last_error = e.what();
            }
        }
        throw std::runtime_error(last_error + "\nserver log:\n" + log());
    }

    /// Runs argv (no shell) as the server's user, output to <dir>/commands.log; throws when
    /// it does not exit with 0.
    void run(const std::vector<std::string>& argv, const std::string& what) const {
        // Everything the child needs is built before fork(): a multi-threaded test process
        // may only call async-signal-safe functions in the child.
        const std::string out = dir_ + "/commands.log";
        std::vector<char*> args;
        for (const auto& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            throw std::runtime_error(what + ": fork failed");
        }
        if (pid == 0) {
            if (run_as_.switch_user) {
                if (::setgroups(0, nullptr) != 0 || ::setgid(run_as_.gid) != 0 ||
                    ::setuid(run_as_.uid) != 0) {
                    ::_exit(126);
                }
            }
            const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                ::dup2(fd, STDOUT_FILENO);
                ::dup2(fd, STDERR_FILENO);
                ::close(fd);
            }
            if (::chdir(dir_.c_str()) != 0) {
                ::_exit(126);
            }
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                throw std::runtime_error(what + ": waitpid failed");
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::ifstream in(out);
            std::stringstream s;
            s << in.rdbuf();
            throw std::runtime_error(what + " failed (exit " +
                                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                     "):\n" + s.str());
        }
    }

    std::string bin_;
    RunAs run_as_;
    std::string dir_;
    int port_ = 0;
};

} // namespace labelloop::testing
