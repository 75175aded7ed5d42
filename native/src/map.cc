// BpfMap: lookup/update/delete by raw bytes, per-CPU values, entries(), clear().
#include <cerrno>
#include <cstring>
#include <set>

#include "common.h"

namespace ebpf {

int NumPossibleCpus() {
  static int n = libbpf_num_possible_cpus();
  return n > 0 ? n : 1;
}

class BpfMapWrap : public Napi::ObjectWrap<BpfMapWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeBpfMap",
                       {
                           InstanceMethod<&BpfMapWrap::Info>("info"),
                           InstanceMethod<&BpfMapWrap::Lookup>("lookup"),
                           InstanceMethod<&BpfMapWrap::Update>("update"),
                           InstanceMethod<&BpfMapWrap::Delete>("delete"),
                           InstanceMethod<&BpfMapWrap::Entries>("entries"),
                           InstanceMethod<&BpfMapWrap::Clear>("clear"),
                       });
  }

  BpfMapWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfMapWrap>(info) {}

  void Init(const ObjPtr& obj, bpf_map* map) {
    obj_ = obj;
    map_ = map;
    name_ = bpf_map__name(map);
    keySize_ = bpf_map__key_size(map);
    valueSize_ = bpf_map__value_size(map);
    perCpu_ = IsPerCpu(bpf_map__type(map));
    stride_ = perCpu_ ? (valueSize_ + 7) / 8 * 8 : valueSize_;
    fullValueSize_ = perCpu_ ? stride_ * NumPossibleCpus() : valueSize_;
    type_ = bpf_map__type(map);
  }

 private:
  int Fd(Napi::Env env, const char* what) {
    RequireLoaded(env, obj_, what, name_);
    int fd = bpf_map__fd(map_);
    if (fd < 0) Throw(env, EBADF, what, name_, "the map has no fd");
    return fd;
  }

  void CheckKey(Napi::Env env, const Napi::Value& v, const char* what) {
    if (!v.IsBuffer()) throw Napi::TypeError::New(env, "key must be a Buffer");
    size_t len = v.As<Napi::Buffer<uint8_t>>().Length();
    if (len != keySize_)
      Throw(env, EINVAL, what, name_, "key has " + std::to_string(len) + " bytes, the map's keys " + std::to_string(keySize_));
  }

  Napi::Value Info(const Napi::CallbackInfo& info) { return MapInfoObject(info.Env(), map_); }

  Napi::Value Lookup(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = Fd(env, "bpf_map_lookup_elem");
    CheckKey(env, info[0], "bpf_map_lookup_elem");
    auto key = info[0].As<Napi::Buffer<uint8_t>>();
    Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, fullValueSize_);
    memset(out.Data(), 0, fullValueSize_);
    int ret = bpf_map_lookup_elem(fd, key.Data(), out.Data());
    if (ret) {
      int err = ErrFromRet(ret);
      if (err == ENOENT) return env.Undefined();
      Throw(env, err, "bpf_map_lookup_elem", name_);
    }
    return out;
  }

  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = Fd(env, "bpf_map_update_elem");
    CheckKey(env, info[0], "bpf_map_update_elem");
    if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, "value must be a Buffer");
    auto key = info[0].As<Napi::Buffer<uint8_t>>();
    auto val = info[1].As<Napi::Buffer<uint8_t>>();
    uint64_t flags = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : static_cast<uint32_t>(BPF_ANY);
    std::vector<uint8_t> full;
    const void* data = val.Data();
    if (val.Length() != fullValueSize_) {
      if (perCpu_ && val.Length() == valueSize_) {
        // One value for every CPU.
        full.assign(fullValueSize_, 0);
        for (size_t off = 0; off < fullValueSize_; off += stride_) memcpy(&full[off], val.Data(), valueSize_);
        data = full.data();
      } else {
        Throw(env, EINVAL, "bpf_map_update_elem", name_,
              "value has " + std::to_string(val.Length()) + " bytes, expected " + std::to_string(fullValueSize_) +
                  (perCpu_ ? " (or " + std::to_string(valueSize_) + " for the same value on every CPU)" : ""));
      }
    }
    int ret = bpf_map_update_elem(fd, key.Data(), data, flags);
    if (ret) Throw(env, ErrFromRet(ret), "bpf_map_update_elem", name_);
    return env.Undefined();
  }

  Napi::Value Delete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = Fd(env, "bpf_map_delete_elem");
    CheckKey(env, info[0], "bpf_map_delete_elem");
    auto key = info[0].As<Napi::Buffer<uint8_t>>();
    int ret = bpf_map_delete_elem(fd, key.Data());
    if (ret) {
      int err = ErrFromRet(ret);
      if (err == ENOENT) return Napi::Boolean::New(env, false);
      Throw(env, err, "bpf_map_delete_elem", name_);
    }
    return Napi::Boolean::New(env, true);
  }

  /** Every key, by iteration (dedupes keys seen twice when a hash map changes under us). */
  std::vector<std::string> Keys(Napi::Env env, int fd) {
    std::vector<std::string> keys;
    std::set<std::string> seen;
    std::string cur(keySize_, '\0'), next(keySize_, '\0');
    bool first = true;
    size_t limit = static_cast<size_t>(bpf_map__max_entries(map_)) * 2 + 16;
    for (size_t i = 0; i < limit; i++) {
      int ret = bpf_map_get_next_key(fd, first ? nullptr : cur.data(), &next[0]);
      if (ret) {
        int err = ErrFromRet(ret);
        if (err == ENOENT) break;
        Throw(env, err, "bpf_map_get_next_key", name_);
      }
      first = false;
      if (seen.insert(next).second) keys.push_back(next);
      cur = next;
    }
    return keys;
  }

  bool EntriesBatch(Napi::Env env, int fd, Napi::Array& out) {
    uint32_t maxEntries = bpf_map__max_entries(map_);
    uint32_t chunk = maxEntries < 1024 ? (maxEntries ? maxEntries : 1) : 1024;
    size_t tokSize = keySize_ > 8 ? keySize_ : 8;
    std::vector<uint8_t> inTok(tokSize), outTok(tokSize);
    std::vector<uint8_t> keys, vals;
    bool first = true;
    uint32_t n = 0;
    DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
    for (;;) {
      keys.assign(static_cast<size_t>(chunk) * keySize_, 0);
      vals.assign(static_cast<size_t>(chunk) * fullValueSize_, 0);
      __u32 count = chunk;
      int ret = bpf_map_lookup_batch(fd, first ? nullptr : inTok.data(), outTok.data(), keys.data(), vals.data(), &count, &opts);
      int err = ret ? ErrFromRet(ret) : 0;
      if (err && err != ENOENT) {
        if (err == ENOSPC && count == 0 && chunk < (1u << 20)) {
          chunk *= 2;  // a hash bucket did not fit
          continue;
        }
        if (first && (err == EINVAL || err == ENOTSUP || err == 524 /* ENOTSUPP */ || err == EOPNOTSUPP)) return false;
        Throw(env, err, "bpf_map_lookup_batch", name_);
      }
      for (uint32_t i = 0; i < count; i++) {
        Napi::Array pair = Napi::Array::New(env, 2);
        pair.Set(0u, Napi::Buffer<uint8_t>::Copy(env, &keys[static_cast<size_t>(i) * keySize_], keySize_));
        pair.Set(1u, Napi::Buffer<uint8_t>::Copy(env, &vals[static_cast<size_t>(i) * fullValueSize_], fullValueSize_));
        out.Set(n++, pair);
      }
      if (err == ENOENT) return true;
      inTok = outTok;
      first = false;
    }
  }

  Napi::Value Entries(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = Fd(env, "entries");
    Napi::Array out = Napi::Array::New(env);
    bool batchable = type_ == BPF_MAP_TYPE_HASH || type_ == BPF_MAP_TYPE_PERCPU_HASH || type_ == BPF_MAP_TYPE_LRU_HASH ||
                     type_ == BPF_MAP_TYPE_LRU_PERCPU_HASH || type_ == BPF_MAP_TYPE_ARRAY || type_ == BPF_MAP_TYPE_PERCPU_ARRAY;
    if (batchable && EntriesBatch(env, fd, out)) return out;
    out = Napi::Array::New(env);
    uint32_t n = 0;
    std::vector<uint8_t> val(fullValueSize_);
    for (const std::string& k : Keys(env, fd)) {
      int ret = bpf_map_lookup_elem(fd, k.data(), val.data());
      if (ret) {
        int err = ErrFromRet(ret);
        if (err == ENOENT) continue;  // deleted meanwhile
        Throw(env, err, "bpf_map_lookup_elem", name_);
      }
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(0u, Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(k.data()), keySize_));
      pair.Set(1u, Napi::Buffer<uint8_t>::Copy(env, val.data(), fullValueSize_));
      out.Set(n++, pair);
    }
    return out;
  }

  Napi::Value Clear(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = Fd(env, "clear");
    if (type_ == BPF_MAP_TYPE_ARRAY || type_ == BPF_MAP_TYPE_PERCPU_ARRAY) {
      // Array elements cannot be deleted: zero them.
      std::vector<uint8_t> zero(fullValueSize_, 0);
      for (uint32_t i = 0, n = bpf_map__max_entries(map_); i < n; i++) {
        int ret = bpf_map_update_elem(fd, &i, zero.data(), BPF_ANY);
        if (ret) Throw(env, ErrFromRet(ret), "bpf_map_update_elem", name_);
      }
      return env.Undefined();
    }
    for (const std::string& k : Keys(env, fd)) {
      int ret = bpf_map_delete_elem(fd, k.data());
      if (ret) {
        int err = ErrFromRet(ret);
        if (err != ENOENT) Throw(env, err, "bpf_map_delete_elem", name_);
      }
    }
    return env.Undefined();
  }

  ObjPtr obj_;
  bpf_map* map_ = nullptr;
  std::string name_;
  size_t keySize_ = 0, valueSize_ = 0, stride_ = 0, fullValueSize_ = 0;
  bool perCpu_ = false;
  enum bpf_map_type type_ = BPF_MAP_TYPE_UNSPEC;
};

Napi::Object NewMapObject(Napi::Env env, const ObjPtr& obj, bpf_map* map) {
  Napi::Object o = GetData(env)->mapCtor.New({});
  BpfMapWrap::Unwrap(o)->Init(obj, map);
  return o;
}

static Napi::Value PossibleCpus(const Napi::CallbackInfo& info) {
  int n = libbpf_num_possible_cpus();
  if (n < 0) Throw(info.Env(), -n, "libbpf_num_possible_cpus", "");
  return Napi::Number::New(info.Env(), n);
}

void InitMap(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->mapCtor = Napi::Persistent(BpfMapWrap::Define(env));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus, "possibleCpus"));
}

}  // namespace ebpf
