// ofs_wire_server: the "wire limit" reference of the benchmark (PERFORMANCE.md, "References"): the least
// an HTTP/1.1 JSON server can do per request on this machine. One thread, one edge-triggered epoll
// loop, keep-alive with pipelining, Content-Length framing; for every request it parses the body with
// simdjson On-Demand and extracts featureGroupName and the first primary-key value (the parse work OFS
// does for a single-key read), then answers a fixed 200 response shaped like OFS's read answer, whose
// body is --response-bytes long and whose head is padded to --header-bytes (the harness measures
// OFS's actual S1 response first, so both servers put the same bytes on the wire).
// It uses the syscall-saving moves OFS uses, so that it stays the least a server can do: a read shorter
// than the space offered ends the read loop (no confirming EAGAIN read), and the responses of one
// epoll batch are sent at its end, back to back (--defer-sends 1, the default; 0 sends each at once).
// Prints "listening on PORT" once ready. Runs until killed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <simdjson.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace od = simdjson::ondemand;

struct Options {
  int port = 0;
  size_t response_bytes = 200;  // body
  size_t header_bytes = 0;      // whole head incl. the blank line; 0 = minimal
  bool defer_sends = true;      // send a batch's responses at its end
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(
      stderr,
      "ofs_wire_server: %s\nusage: ofs_wire_server [--port P] [--response-bytes N] [--header-bytes N] "
      "[--defer-sends 0|1]\n",
      why);
  std::exit(64);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) Usage("missing value");
    std::string_view value = argv[++i];
    size_t v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size()) Usage("bad number");
    if (flag == "--port") {
      o.port = static_cast<int>(v);
    } else if (flag == "--response-bytes") {
      o.response_bytes = v;
    } else if (flag == "--header-bytes") {
      o.header_bytes = v;
    } else if (flag == "--defer-sends" && v <= 1) {
      o.defer_sends = v == 1;
    } else {
      Usage("unknown flag");
    }
  }
  return o;
}

// The fixed answer: a read response with one found key, padded inside a TEXT value.
std::string BuildResponse(const Options& o) {
  const std::string prefix =
      "{\"data\":{\"featureGroupName\":\"bench_fg\",\"featureGroupVersion\":\"v1\",\"successfulKeys\":"
      "[{\"key\":[0],\"features\":[\"";
  const std::string suffix = "\"]}],\"failedKeys\":[]}}";
  std::string body = prefix;
  if (o.response_bytes > prefix.size() + suffix.size()) {
    body.append(o.response_bytes - prefix.size() - suffix.size(), 'x');
  }
  body += suffix;
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n";
  const std::string pad_name = "X-Pad: ";
  const size_t minimal = head.size() + 2;
  if (o.header_bytes > minimal + pad_name.size() + 2) {
    head += pad_name + std::string(o.header_bytes - minimal - pad_name.size() - 2, 'p') + "\r\n";
  }
  head += "\r\n";
  return head + body;
}

const std::string kBadRequest =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n"
    "{\"error\":\"malformed body\"}\n";

struct Conn {
  int fd = -1;
  std::vector<char> in;  // [0, used) received; the rest is spare capacity (>= SIMDJSON_PADDING)
  size_t used = 0;
  std::string out;
  size_t out_sent = 0;
  bool pending = false;  // listed in Server::pending_ (deferred sends)
};

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

// Extracts featureGroupName and primaryKeys.values[0][0] like OFS's read decoder; false when malformed.
bool ParseRead(od::parser& parser, const char* body, size_t size, size_t capacity, std::string_view* name,
               int64_t* key) {
  od::document doc;
  if (parser.iterate(simdjson::padded_string_view(body, size, capacity)).get(doc)) return false;
  od::object object;
  if (doc.get_object().get(object)) return false;
  bool has_name = false, has_key = false;
  for (auto field : object) {
    std::string_view k;
    if (field.unescaped_key().get(k)) return false;
    if (IEquals(k, "featureGroupName")) {
      if (field.value().get_string().get(*name)) return false;
      has_name = true;
    } else if (IEquals(k, "primaryKeys")) {
      od::object keys;
      if (field.value().get_object().get(keys)) return false;
      for (auto kf : keys) {
        std::string_view kk;
        if (kf.unescaped_key().get(kk)) return false;
        if (!IEquals(kk, "values")) continue;
        od::array rows;
        if (kf.value().get_array().get(rows)) return false;
        for (auto row : rows) {
          od::array cols;
          if (row.get_array().get(cols)) return false;
          for (auto col : cols) {
            if (col.get_int64().get(*key)) return false;
            has_key = true;
            break;
          }
          break;
        }
      }
    }
  }
  return has_name && has_key;
}

class Server {
 public:
  explicit Server(const Options& o) : o_(o), response_(BuildResponse(o)) {}

  int Run() {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(o_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 1024) != 0) {
      std::perror("ofs_wire_server: bind/listen");
      return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the listener
    epoll_ctl(epfd_, EPOLL_CTL_ADD, listener, &ev);
    std::printf("listening on %d\n", ntohs(addr.sin_port));
    std::fflush(stdout);

    epoll_event events[256];
    for (;;) {
      int n = epoll_wait(epfd_, events, 256, -1);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.ptr == nullptr) {
          Accept(listener);
          continue;
        }
        Conn* c = static_cast<Conn*>(events[i].data.ptr);
        if ((events[i].events & EPOLLOUT) && !Flush(c)) continue;  // closed (and freed)
        const bool hung_up = (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
        if ((events[i].events & EPOLLIN) || hung_up) OnReadable(c, hung_up);
      }
      // A connection is listed only after its last use in the batch, so none is freed while listed.
      for (Conn* c : pending_) {
        c->pending = false;
        Flush(c);
      }
      pending_.clear();
    }
  }

 private:
  void Accept(int listener) {
    for (;;) {
      int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto* c = new Conn;
      c->fd = fd;
      c->in.resize(16384 + simdjson::SIMDJSON_PADDING);
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.ptr = c;
      epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  void CloseConn(Conn* c) {
    close(c->fd);  // also leaves the epoll set
    c->fd = -1;
    delete c;
  }

  // After a hang-up the stream is read to its end (a short read does not mean drained then).
  void OnReadable(Conn* c, bool hung_up) {
    for (;;) {
      if (c->in.size() - c->used < 4096 + simdjson::SIMDJSON_PADDING) c->in.resize(c->in.size() * 2);
      const size_t want = c->in.size() - c->used - simdjson::SIMDJSON_PADDING;
      ssize_t n = recv(c->fd, c->in.data() + c->used, want, 0);
      if (n > 0) {
        c->used += static_cast<size_t>(n);
        if (static_cast<size_t>(n) < want && !hung_up) break;  // drained: the edge reports more bytes
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        CloseConn(c);
        return;
      }
      if (errno == EINTR) continue;
      break;
    }
    size_t consumed = 0;
    for (;;) {
      std::string_view data(c->in.data() + consumed, c->used - consumed);
      size_t end = data.find("\r\n\r\n");
      if (end == std::string_view::npos) break;
      size_t content_length = 0;
      std::string_view head = data.substr(0, end + 2);
      for (size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();) {
        size_t line_end = head.find("\r\n", pos + 2);
        std::string_view line = head.substr(pos + 2, line_end - pos - 2);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos && IEquals(line.substr(0, colon), "content-length")) {
          std::string_view v = line.substr(colon + 1);
          while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
          std::from_chars(v.data(), v.data() + v.size(), content_length);
        }
        pos = line_end;
      }
      const size_t total = end + 4 + content_length;
      if (data.size() < total) break;
      const char* body = data.data() + end + 4;
      std::string_view name;
      int64_t key = 0;
      const size_t capacity = c->in.size() - static_cast<size_t>(body - c->in.data());
      if (ParseRead(parser_, body, content_length, capacity, &name, &key)) {
        c->out.append(response_);
      } else {
        c->out.append(kBadRequest);
      }
      consumed += total;
    }
    if (consumed > 0) {
      std::memmove(c->in.data(), c->in.data() + consumed, c->used - consumed);
      c->used -= consumed;
      if (!o_.defer_sends) {
        Flush(c);
      } else if (!c->pending) {
        c->pending = true;
        pending_.push_back(c);
      }
    }
  }

  // false when the connection was closed (and freed).
  bool Flush(Conn* c) {
    while (c->out_sent < c->out.size()) {
      ssize_t n = send(c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        c->out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // EPOLLOUT (edge) resumes
      CloseConn(c);
      return false;
    }
    c->out.clear();
    c->out_sent = 0;
    return true;
  }

  Options o_;
  std::string response_;
  int epfd_ = -1;
  od::parser parser_;
  std::vector<Conn*> pending_;  // connections with responses to send at the end of the batch
};

}  // namespace

int main(int argc, char** argv) {
  Options options = ParseOptions(argc, argv);
  Server server(options);
  return server.Run();
}
