// Shared declarations of the ebpf_native addon (node-addon-api over libbpf).
#pragma once

#include <napi.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ebpf {

// ---- errors.cc ------------------------------------------------------------

/** The errno name ("EPERM") of a positive errno value, or "EUNKNOWN". */
std::string ErrnoName(int err);

/**
 * A JS Error with code, errno (positive, as in C), syscall, target and, when
 * given, verifierLog. Message: `syscall(target): CODE: strerror[: detail]`.
 */
Napi::Error MakeError(Napi::Env env, int err, const std::string& syscall, const std::string& target,
                      const std::string& detail = "", const std::string& verifierLog = "");

/** Throws MakeError(...) as a C++ exception (NAPI_CPP_EXCEPTIONS). */
[[noreturn]] void Throw(Napi::Env env, int err, const std::string& syscall, const std::string& target,
                        const std::string& detail = "");

/** Normalizes a libbpf return value (negative errno, or -1 with errno set) to a positive errno. */
int ErrFromRet(long ret);

// ---- log.cc ---------------------------------------------------------------

/** Lines printed by libbpf on the current thread while a capture is active. */
struct LogCapture {
  std::vector<std::string> lines;
  size_t bytes = 0;
};

/** Starts capturing libbpf output printed on this thread into `cap` (nullptr stops). */
void SetThreadCapture(LogCapture* cap);

/** The last `maxLines` lines of the verifier log found in a capture (empty if none). */
std::string VerifierLogFrom(const LogCapture& cap, size_t maxLines);

/** Installs the libbpf print callback and exports setLogHandler. */
void InitLog(Napi::Env env, Napi::Object exports);

// ---- links (attach.cc) ----------------------------------------------------

/** One attachment; Destroy() is idempotent. */
class LinkState {
 public:
  LinkState(std::string program, std::string description)
      : program_(std::move(program)), description_(std::move(description)) {}
  virtual ~LinkState() = default;
  /** Detaches; returns 0 or a positive errno of the first failure. Idempotent. */
  int Destroy() {
    if (destroyed_) return 0;
    destroyed_ = true;
    return DoDestroy();
  }
  bool destroyed() const { return destroyed_; }
  const std::string& program() const { return program_; }
  const std::string& description() const { return description_; }

 protected:
  virtual int DoDestroy() = 0;

 private:
  std::string program_;
  std::string description_;
  bool destroyed_ = false;
};

// ---- object state (object.cc) ---------------------------------------------

enum class Phase { Opened, Loading, Loaded, Failed, Closed };

/**
 * The libbpf object and everything attached to it. Shared by the JS wrappers
 * of the object, its maps, links and readers; the last one to go closes it.
 */
struct ObjState {
  bpf_object* obj = nullptr;
  std::string path;
  std::string name;
  Phase phase = Phase::Opened;
  std::vector<std::shared_ptr<LinkState>> links;

  ~ObjState() { Close(); }
  /** Destroys every link, then closes the object. Idempotent. */
  void Close();
};

using ObjPtr = std::shared_ptr<ObjState>;

/** Per-env constructors. */
struct AddonData {
  Napi::FunctionReference objectCtor;
  Napi::FunctionReference mapCtor;
  Napi::FunctionReference linkCtor;
  Napi::FunctionReference readerCtor;
  Napi::FunctionReference statsCtor;
};

AddonData* GetData(Napi::Env env);

// ---- per-file init --------------------------------------------------------

void InitObject(Napi::Env env, Napi::Object exports, AddonData* data);
void InitMap(Napi::Env env, Napi::Object exports, AddonData* data);
void InitAttach(Napi::Env env, Napi::Object exports, AddonData* data);
void InitRingBuffer(Napi::Env env, Napi::Object exports, AddonData* data);
void InitStats(Napi::Env env, Napi::Object exports, AddonData* data);

/** Creates the JS wrapper of a map (map.cc). */
Napi::Object NewMapObject(Napi::Env env, const ObjPtr& obj, bpf_map* map);
/** Attach entry points (attach.cc); each returns a JS Link. `info` args start at index 0 = program name. */
Napi::Value AttachFromJs(const Napi::CallbackInfo& info, const ObjPtr& obj);
/** Starts a ring buffer reader (ringbuf.cc). */
Napi::Value ReadRingBufferFromJs(const Napi::CallbackInfo& info, const ObjPtr& obj, Napi::Object owner);
/** Program run statistics (stats.cc). */
Napi::Value ProgramStatsFromJs(const Napi::CallbackInfo& info, const ObjPtr& obj);

/** MapInfo of a map: name, type, keySize, valueSize, maxEntries, perCpu, internal (object.cc). */
Napi::Object MapInfoObject(Napi::Env env, bpf_map* map);
/** Whether values of this map type are per CPU. */
bool IsPerCpu(enum bpf_map_type t);

/** Helpers shared by the wrappers. */
void RequireLoaded(Napi::Env env, const ObjPtr& obj, const char* what, const std::string& target);
bpf_program* FindProgram(Napi::Env env, const ObjPtr& obj, const std::string& name, const char* syscall);
bpf_map* FindMap(Napi::Env env, const ObjPtr& obj, const std::string& name, const char* syscall);
int NumPossibleCpus();

}  // namespace ebpf
