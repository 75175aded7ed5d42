// libbpf log: one print callback for the process. Lines go (1) into the
// capture of the thread that printed them, when one is active (load() uses
// this for verifier logs), and (2) to the JS handler set by setLogHandler,
// through a non-blocking, bounded ThreadSafeFunction.
#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "common.h"

namespace ebpf {

namespace {

constexpr size_t kCaptureMaxBytes = 8u << 20;  // keep the last 8 MiB of a capture
constexpr size_t kQueueMax = 1024;             // lines queued for JS before dropping

thread_local LogCapture* tlsCapture = nullptr;

struct LogLine {
  int level;
  std::string text;
};

std::mutex gMutex;                         // guards the fields below
Napi::ThreadSafeFunction gTsfn;            // the JS handler, when set
bool gHasHandler = false;
int gMinLevel = LIBBPF_INFO;               // forward lines at this level or more important
std::atomic<uint64_t> gDropped{0};         // lines dropped because JS was behind

const char* LevelName(int level) {
  switch (level) {
    case LIBBPF_WARN: return "warn";
    case LIBBPF_INFO: return "info";
    default: return "debug";
  }
}

void CallJs(Napi::Env env, Napi::Function fn, LogLine* line) {
  std::unique_ptr<LogLine> owned(line);
  if (env == nullptr || fn.IsEmpty()) return;
  try {
    fn.Call({Napi::String::New(env, LevelName(line->level)), Napi::String::New(env, line->text)});
  } catch (const Napi::Error&) {
    // A throwing log handler must not take the process down from a log line.
  }
}

std::string Format(const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  char small[512];
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return std::string();
  if (static_cast<size_t>(n) < sizeof small) return std::string(small, n);
  std::string big(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(&big[0], big.size(), fmt, args);
  big.resize(n);
  return big;
}

int Print(enum libbpf_print_level level, const char* fmt, va_list args) {
  LogCapture* cap = tlsCapture;
  bool forward;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    forward = gHasHandler && static_cast<int>(level) <= gMinLevel;
  }
  if (!cap && !forward) return 0;
  std::string text = Format(fmt, args);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    if (cap) {
      cap->bytes += line.size();
      cap->lines.push_back(line);
      if (cap->bytes > kCaptureMaxBytes) {
        size_t drop = cap->lines.size() / 4 + 1;
        for (size_t i = 0; i < drop; i++) cap->bytes -= cap->lines[i].size();
        cap->lines.erase(cap->lines.begin(), cap->lines.begin() + drop);
      }
    }
    if (forward) {
      std::lock_guard<std::mutex> lock(gMutex);
      if (!gHasHandler) continue;
      auto* item = new LogLine{static_cast<int>(level), std::move(line)};
      if (gTsfn.NonBlockingCall(item, CallJs) != napi_ok) {
        delete item;
        gDropped++;
      }
    }
  }
  return 0;
}

void ReleaseHandlerLocked() {
  if (gHasHandler) {
    gTsfn.Release();
    gHasHandler = false;
  }
}

Napi::Value SetLogHandler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int minLevel = LIBBPF_INFO;
  if (info.Length() > 1 && info[1].IsString()) {
    std::string l = info[1].As<Napi::String>();
    if (l == "warn") minLevel = LIBBPF_WARN;
    else if (l == "info") minLevel = LIBBPF_INFO;
    else if (l == "debug") minLevel = LIBBPF_DEBUG;
    else throw Napi::TypeError::New(env, "minLevel must be 'warn', 'info' or 'debug'");
  }
  std::lock_guard<std::mutex> lock(gMutex);
  ReleaseHandlerLocked();
  if (info.Length() > 0 && info[0].IsFunction()) {
    gTsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "ebpf_native.log", kQueueMax, 1);
    gTsfn.Unref(env);  // a log handler never keeps the process alive
    gHasHandler = true;
    gMinLevel = minLevel;
  } else if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) {
    throw Napi::TypeError::New(env, "setLogHandler expects a function or null");
  }
  return env.Undefined();
}

Napi::Value DroppedLogLines(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(gDropped.load()));
}

void Cleanup(void*) {
  std::lock_guard<std::mutex> lock(gMutex);
  // Node finalizes the thread-safe function itself at teardown; only forget it.
  gHasHandler = false;
}

}  // namespace

void SetThreadCapture(LogCapture* cap) { tlsCapture = cap; }

std::string VerifierLogFrom(const LogCapture& cap, size_t maxLines) {
  const auto& lines = cap.lines;
  // libbpf prints: "libbpf: prog 'x': -- BEGIN PROG LOAD LOG --", the log, "-- END PROG LOAD LOG --".
  size_t begin = lines.size(), end = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    if (end == lines.size() && lines[i].find("-- END PROG LOAD LOG --") != std::string::npos) end = i;
    if (lines[i].find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
      begin = i + 1;
      break;
    }
  }
  if (begin >= lines.size()) return std::string();
  if (end < begin) end = lines.size();
  size_t from = end - begin > maxLines ? end - maxLines : begin;
  std::string out;
  for (size_t i = from; i < end; i++) {
    out += lines[i];
    out += '\n';
  }
  return out;
}

void InitLog(Napi::Env env, Napi::Object exports) {
  libbpf_set_print(Print);
  exports.Set("setLogHandler", Napi::Function::New(env, SetLogHandler, "setLogHandler"));
  exports.Set("droppedLogLines", Napi::Function::New(env, DroppedLogLines, "droppedLogLines"));
  napi_add_env_cleanup_hook(env, Cleanup, nullptr);
}

}  // namespace ebpf
