// Program run statistics: enableStats() (BPF_STATS_RUN_TIME, held by an fd)
// and programStats(name) from bpf_obj_get_info_by_fd.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common.h"

namespace ebpf {

namespace {

class StatsHolder : public Napi::ObjectWrap<StatsHolder> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeStatsHolder", {
                                                     InstanceMethod<&StatsHolder::Close>("close"),
                                                     InstanceAccessor<&StatsHolder::GetClosed>("closed"),
                                                 });
  }
  StatsHolder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StatsHolder>(info) {
    Napi::Env env = info.Env();
    int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (fd < 0) Throw(env, ErrFromRet(fd), "bpf_enable_stats", "BPF_STATS_RUN_TIME");
    fd_ = fd;
  }
  ~StatsHolder() override {
    if (fd_ >= 0) close(fd_);
  }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    return info.Env().Undefined();
  }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ < 0); }
  int fd_ = -1;
};

Napi::Value EnableStats(const Napi::CallbackInfo& info) { return GetData(info.Env())->statsCtor.New({}); }

}  // namespace

Napi::Value ProgramStatsFromJs(const Napi::CallbackInfo& info, const ObjPtr& obj) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "programStats(program: string)");
  std::string name = info[0].As<Napi::String>();
  RequireLoaded(env, obj, "bpf_obj_get_info_by_fd", name);
  bpf_program* prog = FindProgram(env, obj, name, "bpf_obj_get_info_by_fd");
  int fd = bpf_program__fd(prog);
  if (fd < 0) Throw(env, EBADF, "bpf_obj_get_info_by_fd", name, "the program was not loaded");
  struct bpf_prog_info pi;
  memset(&pi, 0, sizeof pi);
  __u32 len = sizeof pi;
  int ret = bpf_obj_get_info_by_fd(fd, &pi, &len);
  if (ret) Throw(env, ErrFromRet(ret), "bpf_obj_get_info_by_fd", name);
  Napi::Object o = Napi::Object::New(env);
  o.Set("runCount", Napi::BigInt::New(env, static_cast<uint64_t>(pi.run_cnt)));
  o.Set("runTimeNs", Napi::BigInt::New(env, static_cast<uint64_t>(pi.run_time_ns)));
  o.Set("recursionMisses", Napi::BigInt::New(env, static_cast<uint64_t>(pi.recursion_misses)));
  o.Set("id", Napi::Number::New(env, pi.id));
  return o;
}

void InitStats(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->statsCtor = Napi::Persistent(StatsHolder::Define(env));
  exports.Set("enableStats", Napi::Function::New(env, EnableStats, "enableStats"));
}

}  // namespace ebpf
