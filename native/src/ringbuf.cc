// Ring buffer reader: a native thread polls the ring buffer and hands JS one
// Buffer per batch of records ([u32 len][u32 attached len][bytes padded to 8]
// [attached bytes padded to 8]) through a ThreadSafeFunction. At most
// kMaxInFlight batches wait for JS; past that the thread blocks, the kernel
// ring fills up and the BPF side counts its reserve failures: drops are
// counted in the kernel, never silently in user space.
//
// Process mappings: with a pid offset, the thread reads /proc/PID/maps of the
// record's pid as it takes the record and attaches the executable lines, so a
// process announced by a BPF program has its mappings captured within a
// wakeup of the announcement, even if JS sees the batch much later.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "common.h"

namespace ebpf {

namespace {

constexpr size_t kMaxInFlight = 64;
// The buffer /proc/PID/maps is read into (kept between reads; a larger one is used once and let go).
constexpr size_t kMapsBufferBytes = 64 * 1024;

using Clock = std::chrono::steady_clock;

struct Batch {
  std::vector<uint8_t> data;
  uint32_t count = 0;
  int error = 0;  // non-zero: not records but the error that stopped the thread
};

struct ReaderState;
void CallJs(Napi::Env env, Napi::Function fn, ReaderState* ctx, Batch* raw);
using Tsfn = Napi::TypedThreadSafeFunction<ReaderState, Batch, CallJs>;

struct ReaderState {
  ObjPtr obj;
  std::string mapName;
  ring_buffer* rb = nullptr;
  int wakeFd = -1;  // eventfd in the ring buffer's epoll set: close() wakes the thread at once
  std::thread thread;
  Tsfn tsfn;
  bool orphan = false;  // its JS object was collected: the finalizer deletes the state
  size_t maxBatchBytes = 256 * 1024;
  int maxLatencyMs = 10;
  int pollMs = 2;
  int mapsPidOffset = -1;  // >= 0: attach the executable lines of /proc/PID/maps, PID the u32 at this offset
  std::atomic<bool> stop{false};
  bool finished = false;  // JS thread: the thread is joined, the ring buffer freed
  // The batch being filled: the reader thread appends, Flush (reader thread) and TakePending (JS thread) take it.
  std::mutex batchMutex;
  std::unique_ptr<Batch> batch;
  Clock::time_point first;
  // Reader thread only:
  bool tsfnClosing = false;
  std::vector<char> mapsBuffer;
  std::string mapsLines;
  // JS thread only:
  uint64_t delivered = 0;
  uint64_t batches = 0;
  std::vector<Napi::Promise::Deferred> closeWaiters;

  ~ReaderState() {
    if (rb) ring_buffer__free(rb);
    if (wakeFd >= 0) close(wakeFd);
  }

  /** Any thread: asks the reader thread to stop, waking it from epoll. */
  void RequestStop() {
    stop = true;
    if (wakeFd >= 0) {
      uint64_t one = 1;
      ssize_t r = write(wakeFd, &one, sizeof one);
      (void)r;
    }
  }

  void NewBatch() {
    batch.reset(new Batch());
    batch->data.reserve(maxBatchBytes + 64);
  }

  /** Takes the batch being filled (nullptr when empty) and starts a new one. Caller holds batchMutex. */
  Batch* TakeBatchLocked() {
    if (!batch || batch->count == 0) return nullptr;
    Batch* b = batch.release();
    NewBatch();
    return b;
  }

  /** Reader thread: hands the current batch to JS (blocks while kMaxInFlight batches wait). */
  bool Flush();
};

void CallJs(Napi::Env env, Napi::Function fn, ReaderState* ctx, Batch* raw) {
  std::unique_ptr<Batch> b(raw);
  if (env == nullptr || fn.IsEmpty()) return;
  if (b->error) {
    fn.Call({env.Null(), Napi::Number::New(env, 0), MakeError(env, b->error, "ring_buffer__poll", ctx->mapName).Value()});
    return;
  }
  uint32_t count = b->count;
  size_t len = b->data.size();
  uint8_t* data = b->data.data();
  // Zero copy: the Buffer owns the batch until it is garbage collected.
  Batch* owned = b.release();
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, data, len, [](Napi::Env, uint8_t*, Batch* hint) { delete hint; }, owned);
  ctx->delivered += count;
  ctx->batches++;
  fn.Call({buf, Napi::Number::New(env, count)});
}

bool ReaderState::Flush() {
  if (tsfnClosing) return false;
  Batch* b;
  {
    std::lock_guard<std::mutex> lock(batchMutex);
    b = TakeBatchLocked();
  }
  if (!b) return true;
  napi_status st = tsfn.BlockingCall(b);
  if (st != napi_ok) {
    delete b;
    tsfnClosing = true;
    stop = true;
    return false;
  }
  return true;
}

size_t Padded(size_t n) { return (n + 7) & ~static_cast<size_t>(7); }

/**
 * The lines of /proc/PID/maps whose permissions say executable, into `out`
 * (cleared; left empty when the process is gone). `buffer` is reused.
 */
void ReadExecutableMaps(uint32_t pid, std::vector<char>& buffer, std::string& out) {
  out.clear();
  char path[32];
  snprintf(path, sizeof path, "/proc/%u/maps", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  if (buffer.size() < kMapsBufferBytes) buffer.resize(kMapsBufferBytes);
  size_t length = 0;
  for (;;) {
    if (length == buffer.size()) buffer.resize(buffer.size() * 2);
    ssize_t n = read(fd, buffer.data() + length, buffer.size() - length);
    if (n <= 0) break;
    length += static_cast<size_t>(n);
  }
  close(fd);
  // A line: "start-end perms offset dev inode path"; perms[2] is 'x' for executable.
  for (size_t start = 0; start < length;) {
    const char* line = buffer.data() + start;
    const char* nl = static_cast<const char*>(memchr(line, '\n', length - start));
    size_t end = nl ? static_cast<size_t>(nl - buffer.data()) + 1 : length;
    const char* space = static_cast<const char*>(memchr(line, ' ', end - start));
    if (space && space + 3 < buffer.data() + end && space[3] == 'x') out.append(line, end - start);
    start = end;
  }
  // A process with huge maps (thousands of mappings) does not keep its buffer's size for good.
  if (buffer.size() > kMapsBufferBytes) std::vector<char>(kMapsBufferBytes).swap(buffer);
}

int OnSample(void* ctx, void* data, size_t size) {
  auto* st = static_cast<ReaderState*>(ctx);
  size_t attached = 0;
  if (st->mapsPidOffset >= 0 && size >= static_cast<size_t>(st->mapsPidOffset) + 4) {
    uint32_t pid;
    memcpy(&pid, static_cast<uint8_t*>(data) + st->mapsPidOffset, 4);
    ReadExecutableMaps(pid, st->mapsBuffer, st->mapsLines);
    attached = st->mapsLines.size();
  }
  bool full;
  {
    std::lock_guard<std::mutex> lock(st->batchMutex);
    Batch& b = *st->batch;
    if (b.count == 0) st->first = Clock::now();
    size_t off = b.data.size();
    b.data.resize(off + 8 + Padded(size) + Padded(attached), 0);
    uint32_t hdr[2] = {static_cast<uint32_t>(size), static_cast<uint32_t>(attached)};
    memcpy(&b.data[off], hdr, 8);
    memcpy(&b.data[off + 8], data, size);
    if (attached) memcpy(&b.data[off + 8 + Padded(size)], st->mapsLines.data(), attached);
    b.count++;
    full = b.data.size() >= st->maxBatchBytes;
  }
  if (full && !st->Flush()) return -ECANCELED;
  return 0;
}

/** How long the next poll may wait: pollMs, or less when a held batch is due sooner. */
int PollTimeout(ReaderState* st, std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(st->batchMutex);
  if (st->batch->count == 0) return st->pollMs;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(st->first + latency - Clock::now()).count() + 1;
  return static_cast<int>(std::max<long long>(0, std::min<long long>(st->pollMs, left)));
}

/** Whether the batch being filled has records older than `latency`. */
bool BatchDue(ReaderState* st, std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(st->batchMutex);
  return st->batch->count > 0 && Clock::now() - st->first >= latency;
}

void Run(ReaderState* st) {
  auto latency = std::chrono::milliseconds(st->maxLatencyMs);
  int error = 0;
  while (!st->stop.load()) {
    int n = ring_buffer__poll(st->rb, PollTimeout(st, latency));
    if (n < 0 && n != -EINTR && n != -ECANCELED) {
      error = -n;
      break;
    }
    // Producers that submit with BPF_RB_NO_WAKEUP never wake epoll: consume by time too.
    n = ring_buffer__consume(st->rb);
    if (n < 0 && n != -EINTR && n != -ECANCELED) {
      error = -n;
      break;
    }
    if (BatchDue(st, latency)) st->Flush();
  }
  if (!st->tsfnClosing) {
    if (!error) ring_buffer__consume(st->rb);
    st->Flush();
    if (error && !st->tsfnClosing) {
      auto* b = new Batch();
      b->error = error;
      if (st->tsfn.BlockingCall(b) != napi_ok) delete b;
    }
  }
  st->tsfn.Release();
}

class ReaderWrap : public Napi::ObjectWrap<ReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRingBufferReader",
                       {
                           InstanceAccessor<&ReaderWrap::GetDelivered>("delivered"),
                           InstanceAccessor<&ReaderWrap::GetBatches>("batches"),
                           InstanceAccessor<&ReaderWrap::GetClosed>("closed"),
                           InstanceMethod<&ReaderWrap::Close>("close"),
                           InstanceMethod<&ReaderWrap::TakePending>("takePending"),
                       });
  }
  ReaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReaderWrap>(info) {}

  void Start(Napi::Env env, ReaderState* st, Napi::Function fn) {
    st_ = st;
    // The finalizer runs on the JS thread once the reader thread released the function.
    st->tsfn = Tsfn::New(env, fn, "ebpf_native.ringbuf", kMaxInFlight, 1, st, [](Napi::Env env, void*, ReaderState* st) {
      if (st->thread.joinable()) st->thread.join();
      ring_buffer__free(st->rb);
      st->rb = nullptr;
      if (st->wakeFd >= 0) close(st->wakeFd);
      st->wakeFd = -1;
      st->finished = true;
      for (auto& d : st->closeWaiters) d.Resolve(env.Undefined());
      st->closeWaiters.clear();
      st->obj.reset();
      if (st->orphan) delete st;
    });
    st->NewBatch();
    st->thread = std::thread(Run, st);
  }

  ~ReaderWrap() override {
    if (!st_) return;
    if (st_->finished) {
      delete st_;
    } else {
      // Garbage collected while running: stop; the finalizer frees the state.
      st_->orphan = true;
      st_->RequestStop();
    }
  }

 private:
  Napi::Value GetDelivered(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(st_->delivered)); }
  Napi::Value GetBatches(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(st_->batches)); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), st_->finished); }

  /** The records the thread holds and has not handed over yet, as [Buffer, count]; undefined when none. */
  Napi::Value TakePending(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (st_->finished) return env.Undefined();
    Batch* b;
    {
      std::lock_guard<std::mutex> lock(st_->batchMutex);
      b = st_->TakeBatchLocked();
    }
    if (!b) return env.Undefined();
    uint32_t count = b->count;
    Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, b->data.data(), b->data.size(), [](Napi::Env, uint8_t*, Batch* hint) { delete hint; }, b);
    st_->delivered += count;
    st_->batches++;
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, buf);
    out.Set(1u, Napi::Number::New(env, count));
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto d = Napi::Promise::Deferred::New(env);
    if (st_->finished) {
      d.Resolve(env.Undefined());
    } else {
      st_->RequestStop();
      st_->closeWaiters.push_back(d);
    }
    return d.Promise();
  }

  ReaderState* st_ = nullptr;
};

}  // namespace

Napi::Value ReadRingBufferFromJs(const Napi::CallbackInfo& info, const ObjPtr& obj, Napi::Object) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction())
    throw Napi::TypeError::New(env, "readRingBuffer(map: string, onBatch: function, maxBatchBytes, maxLatencyMs, pollMs, mapsPidOffset)");
  std::string name = info[0].As<Napi::String>();
  RequireLoaded(env, obj, "ring_buffer__new", name);
  bpf_map* map = FindMap(env, obj, name, "ring_buffer__new");
  if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF) Throw(env, EINVAL, "ring_buffer__new", name, "not a ringbuf map");
  auto st = std::make_unique<ReaderState>();
  st->obj = obj;
  st->mapName = name;
  if (info.Length() > 2 && info[2].IsNumber()) st->maxBatchBytes = info[2].As<Napi::Number>().Uint32Value();
  if (info.Length() > 3 && info[3].IsNumber()) st->maxLatencyMs = info[3].As<Napi::Number>().Int32Value();
  if (info.Length() > 4 && info[4].IsNumber()) st->pollMs = info[4].As<Napi::Number>().Int32Value();
  if (info.Length() > 5 && info[5].IsNumber()) st->mapsPidOffset = info[5].As<Napi::Number>().Int32Value();
  if (st->maxBatchBytes < 64) st->maxBatchBytes = 64;
  if (st->maxLatencyMs < 0) st->maxLatencyMs = 0;  // 0: each wakeup's records at once
  if (st->pollMs < 1) st->pollMs = 1;
  errno = 0;
  st->rb = ring_buffer__new(bpf_map__fd(map), OnSample, st.get(), nullptr);
  if (!st->rb) Throw(env, ErrFromRet(-1), "ring_buffer__new", name);
  // libbpf's poll treats an event's data as a ring index: ring 0 it is, so a
  // wakeup is just one more (empty) look at the ring.
  st->wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (st->wakeFd >= 0) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.fd = 0;
    if (epoll_ctl(ring_buffer__epoll_fd(st->rb), EPOLL_CTL_ADD, st->wakeFd, &ev) != 0) {
      close(st->wakeFd);
      st->wakeFd = -1;  // close() then waits for the poll timeout instead
    }
  }
  Napi::Object o = GetData(env)->readerCtor.New({});
  ReaderWrap::Unwrap(o)->Start(env, st.release(), info[1].As<Napi::Function>());
  return o;
}

void InitRingBuffer(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->readerCtor = Napi::Persistent(ReaderWrap::Define(env));
}

}  // namespace ebpf
