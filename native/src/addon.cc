// Module entry of ebpf_native: per-env data and the exports of each part.
#include "common.h"

namespace ebpf {

AddonData* GetData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  InitLog(env, exports);
  InitObject(env, exports, data);
  InitMap(env, exports, data);
  InitAttach(env, exports, data);
  InitRingBuffer(env, exports, data);
  InitStats(env, exports, data);
  exports.Set("libbpfVersion", Napi::String::New(env, std::to_string(LIBBPF_MAJOR_VERSION) + "." + std::to_string(LIBBPF_MINOR_VERSION)));
  return exports;
}

}  // namespace ebpf

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ebpf::Init(env, exports); }

NODE_API_MODULE(ebpf_native, InitModule)
