// BpfObject: open, tunables (.rodata constants), max entries, autoload, async load, close.
#include <cerrno>
#include <cctype>
#include <cstring>

#include "common.h"

namespace ebpf {

void ObjState::Close() {
  for (auto& link : links) link->Destroy();
  links.clear();
  if (obj) {
    bpf_object__close(obj);
    obj = nullptr;
  }
  phase = Phase::Closed;
}

static const char* PhaseName(Phase p) {
  switch (p) {
    case Phase::Opened: return "opened";
    case Phase::Loading: return "loading";
    case Phase::Loaded: return "loaded";
    case Phase::Failed: return "failed";
    default: return "closed";
  }
}

void RequireLoaded(Napi::Env env, const ObjPtr& obj, const char* what, const std::string& target) {
  if (!obj->obj || obj->phase == Phase::Closed) Throw(env, EBADF, what, target, "the object is closed");
  if (obj->phase != Phase::Loaded) Throw(env, EINVAL, what, target, std::string("the object is ") + PhaseName(obj->phase) + ", not loaded");
}

static void RequireOpened(Napi::Env env, const ObjPtr& obj, const char* what, const std::string& target) {
  if (!obj->obj || obj->phase == Phase::Closed) Throw(env, EBADF, what, target, "the object is closed");
  if (obj->phase != Phase::Opened) Throw(env, EINVAL, what, target, std::string("only before load(); the object is ") + PhaseName(obj->phase));
}

bpf_program* FindProgram(Napi::Env env, const ObjPtr& obj, const std::string& name, const char* syscall) {
  if (!obj->obj) Throw(env, EBADF, syscall, name, "the object is closed");
  bpf_program* prog = bpf_object__find_program_by_name(obj->obj, name.c_str());
  if (!prog) Throw(env, ENOENT, syscall, name, "no such program in " + obj->name);
  return prog;
}

bpf_map* FindMap(Napi::Env env, const ObjPtr& obj, const std::string& name, const char* syscall) {
  if (!obj->obj) Throw(env, EBADF, syscall, name, "the object is closed");
  bpf_map* map = bpf_object__find_map_by_name(obj->obj, name.c_str());
  if (!map) Throw(env, ENOENT, syscall, name, "no such map in " + obj->name);
  return map;
}

bool IsPerCpu(enum bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
         t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static std::string MapTypeName(enum bpf_map_type t) {
  const char* s = libbpf_bpf_map_type_str(t);
  return s ? s : "unknown(" + std::to_string(static_cast<int>(t)) + ")";
}

Napi::Object MapInfoObject(Napi::Env env, bpf_map* map) {
  Napi::Object o = Napi::Object::New(env);
  enum bpf_map_type t = bpf_map__type(map);
  o.Set("name", bpf_map__name(map));
  o.Set("type", MapTypeName(t));
  o.Set("keySize", Napi::Number::New(env, bpf_map__key_size(map)));
  o.Set("valueSize", Napi::Number::New(env, bpf_map__value_size(map)));
  o.Set("maxEntries", Napi::Number::New(env, bpf_map__max_entries(map)));
  o.Set("perCpu", Napi::Boolean::New(env, IsPerCpu(t)));
  o.Set("internal", Napi::Boolean::New(env, bpf_map__is_internal(map)));
  return o;
}

static std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

static std::string LastWarn(const LogCapture& cap) {
  for (size_t i = cap.lines.size(); i-- > 0;) {
    const std::string& l = cap.lines[i];
    if (l.find("END PROG LOAD LOG") != std::string::npos) continue;
    if (l.rfind("libbpf: ", 0) == 0) return l.substr(8);
  }
  return std::string();
}

/** The verifier's reason: the lines after the last instruction, less the statistics. */
static std::string VerifierReason(const std::string& log) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  size_t from = 0;
  for (size_t i = 0; i < lines.size(); i++) {
    const std::string& l = lines[i];
    size_t d = 0;
    while (d < l.size() && isdigit(static_cast<unsigned char>(l[d]))) d++;
    if (d > 0 && d < l.size() && l[d] == ':') from = i + 1;  // "123: (79) r6 = ..."
  }
  std::string out;
  for (size_t i = from; i < lines.size(); i++) {
    const std::string& l = lines[i];
    if (l.empty() || l.rfind("processed ", 0) == 0 || l.rfind("verification time", 0) == 0 || l.rfind("stack depth", 0) == 0) continue;
    if (!out.empty()) out += "; ";
    out += l;
  }
  return out;
}

/** Finds the failing program's name in libbpf's "prog 'NAME': ..." lines. */
static std::string FailedProgram(const LogCapture& cap) {
  for (size_t i = cap.lines.size(); i-- > 0;) {
    const std::string& l = cap.lines[i];
    size_t p = l.find("prog '");
    if (p == std::string::npos) continue;
    size_t q = l.find('\'', p + 6);
    if (q != std::string::npos) return l.substr(p + 6, q - p - 6);
  }
  return std::string();
}

// ---- the rodata tunables ---------------------------------------------------

struct ConstVar {
  void* data = nullptr;   // where to write, inside the .rodata initial value
  size_t size = 0;
  std::string kind;       // int, bool, enum, char_array, array, struct, union, pointer, float, other
  bool isSigned = false;
  size_t elemSize = 0;    // arrays: element size
  size_t count = 0;       // arrays: number of elements
};

static ConstVar FindConst(Napi::Env env, const ObjPtr& obj, const std::string& name) {
  RequireOpened(env, obj, "setConst", name);
  bpf_map* rodata = nullptr;
  bpf_map* m;
  bpf_object__for_each_map(m, obj->obj) {
    const char* mn = bpf_map__name(m);
    size_t len = strlen(mn);
    if (bpf_map__is_internal(m) && len >= 7 && strcmp(mn + len - 7, ".rodata") == 0) {
      rodata = m;
      break;
    }
  }
  if (!rodata) Throw(env, ENOENT, "setConst", name, obj->name + " has no .rodata section (no const volatile globals)");
  struct btf* btf = bpf_object__btf(obj->obj);
  if (!btf) Throw(env, ENOENT, "bpf_object__btf", name, obj->name + " has no BTF (compile with -g)");
  int secId = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
  if (secId < 0) Throw(env, ENOENT, "btf__find_by_name_kind", name, "no .rodata datasec in the BTF of " + obj->name);
  const struct btf_type* sec = btf__type_by_id(btf, secId);
  size_t rsize = 0;
  void* base = const_cast<void*>(bpf_map__initial_value(rodata, &rsize));
  if (!base) Throw(env, EINVAL, "bpf_map__initial_value", name, "no initial value for .rodata");
  const struct btf_var_secinfo* vsi = btf_var_secinfos(sec);
  for (int i = 0, n = btf_vlen(sec); i < n; i++, vsi++) {
    const struct btf_type* var = btf__type_by_id(btf, vsi->type);
    if (!var || !btf_is_var(var)) continue;
    const char* vn = btf__name_by_offset(btf, var->name_off);
    if (!vn || name != vn) continue;
    if (vsi->offset + vsi->size > rsize) Throw(env, EINVAL, "setConst", name, "variable lies outside .rodata");
    ConstVar cv;
    cv.data = static_cast<char*>(base) + vsi->offset;
    cv.size = vsi->size;
    const struct btf_type* t = btf__type_by_id(btf, var->type);
    while (t && (btf_is_mod(t) || btf_is_typedef(t))) t = btf__type_by_id(btf, t->type);
    if (!t) {
      cv.kind = "other";
    } else if (btf_is_int(t)) {
      __u8 enc = btf_int_encoding(t);
      cv.kind = (enc & BTF_INT_BOOL) ? "bool" : "int";
      cv.isSigned = (enc & BTF_INT_SIGNED) != 0;
    } else if (btf_is_enum(t) || btf_is_enum64(t)) {
      cv.kind = "enum";
      cv.isSigned = btf_kflag(t);
    } else if (btf_is_array(t)) {
      const struct btf_array* arr = btf_array(t);
      cv.count = arr->nelems;
      __s64 es = btf__resolve_size(btf, arr->type);
      cv.elemSize = es > 0 ? static_cast<size_t>(es) : 0;
      const struct btf_type* et = btf__type_by_id(btf, arr->type);
      while (et && (btf_is_mod(et) || btf_is_typedef(et))) et = btf__type_by_id(btf, et->type);
      cv.kind = (et && btf_is_int(et) && cv.elemSize == 1) ? "char_array" : "array";
      if (et && btf_is_int(et)) cv.isSigned = (btf_int_encoding(et) & BTF_INT_SIGNED) != 0;
    } else if (btf_is_struct(t)) {
      cv.kind = "struct";
    } else if (btf_is_union(t)) {
      cv.kind = "union";
    } else if (btf_is_ptr(t)) {
      cv.kind = "pointer";
    } else if (btf_is_float(t)) {
      cv.kind = "float";
    } else {
      cv.kind = "other";
    }
    return cv;
  }
  Throw(env, ENOENT, "setConst", name, "no const volatile global of that name in .rodata of " + obj->name);
}

// ---- load, off the JS thread ------------------------------------------------

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, ObjPtr obj)
      : Napi::AsyncWorker(env, "ebpf_native.load"), obj_(std::move(obj)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    SetThreadCapture(&cap_);
    int ret = bpf_object__load(obj_->obj);
    err_ = ret == 0 ? 0 : ErrFromRet(ret);
    SetThreadCapture(nullptr);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (err_ == 0) {
      obj_->phase = Phase::Loaded;
      deferred_.Resolve(env.Undefined());
      return;
    }
    obj_->phase = Phase::Failed;
    std::string log = VerifierLogFrom(cap_, 40);
    std::string prog = FailedProgram(cap_);
    std::string reason = log.empty() ? LastWarn(cap_) : VerifierReason(log);
    std::string detail = prog.empty() ? reason : "in " + obj_->name + (reason.empty() ? "" : ": " + reason);
    Napi::Error e = MakeError(env, err_, "bpf_object__load", prog.empty() ? obj_->name : prog, detail, log);
    deferred_.Reject(e.Value());
  }

  void OnError(const Napi::Error& e) override {
    obj_->phase = Phase::Failed;
    deferred_.Reject(e.Value());
  }

 private:
  ObjPtr obj_;
  Napi::Promise::Deferred deferred_;
  LogCapture cap_;
  int err_ = 0;
};

// ---- the JS class ------------------------------------------------------------

class BpfObjectWrap : public Napi::ObjectWrap<BpfObjectWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeBpfObject",
                       {
                           InstanceAccessor<&BpfObjectWrap::GetPath>("path"),
                           InstanceAccessor<&BpfObjectWrap::GetPhase>("phase"),
                           InstanceMethod<&BpfObjectWrap::Programs>("programs"),
                           InstanceMethod<&BpfObjectWrap::ProgramDetails>("programDetails"),
                           InstanceMethod<&BpfObjectWrap::Maps>("maps"),
                           InstanceMethod<&BpfObjectWrap::ConstInfo>("constInfo"),
                           InstanceMethod<&BpfObjectWrap::SetConstBytes>("setConstBytes"),
                           InstanceMethod<&BpfObjectWrap::SetMaxEntries>("setMaxEntries"),
                           InstanceMethod<&BpfObjectWrap::SetAutoload>("setAutoload"),
                           InstanceMethod<&BpfObjectWrap::Load>("load"),
                           InstanceMethod<&BpfObjectWrap::Attach>("attach"),
                           InstanceMethod<&BpfObjectWrap::Map>("map"),
                           InstanceMethod<&BpfObjectWrap::ReadRingBuffer>("readRingBuffer"),
                           InstanceMethod<&BpfObjectWrap::ProgramStats>("programStats"),
                           InstanceMethod<&BpfObjectWrap::Close>("close"),
                       });
  }

  BpfObjectWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObjectWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
    obj_ = std::make_shared<ObjState>();
    obj_->path = info[0].As<Napi::String>();
    obj_->name = Basename(obj_->path);
    LogCapture cap;
    SetThreadCapture(&cap);
    errno = 0;
    bpf_object* o = bpf_object__open_file(obj_->path.c_str(), nullptr);
    long err = libbpf_get_error(o);
    SetThreadCapture(nullptr);
    if (!o || err) {
      obj_->phase = Phase::Closed;
      Throw(env, err ? ErrFromRet(err) : ErrFromRet(-1), "bpf_object__open_file", obj_->name, LastWarn(cap));
    }
    obj_->obj = o;
  }

 private:
  Napi::Value GetPath(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), obj_->path); }
  Napi::Value GetPhase(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), PhaseName(obj_->phase)); }

  void RequireOpen(Napi::Env env, const char* what) {
    if (!obj_->obj) Throw(env, EBADF, what, obj_->name, "the object is closed");
  }

  Napi::Value Programs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env, "programs");
    Napi::Array out = Napi::Array::New(env);
    bpf_program* p;
    uint32_t i = 0;
    bpf_object__for_each_program(p, obj_->obj) out.Set(i++, bpf_program__name(p));
    return out;
  }

  Napi::Value ProgramDetails(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env, "programDetails");
    Napi::Array out = Napi::Array::New(env);
    bpf_program* p;
    uint32_t i = 0;
    bpf_object__for_each_program(p, obj_->obj) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", bpf_program__name(p));
      o.Set("section", bpf_program__section_name(p));
      const char* t = libbpf_bpf_prog_type_str(bpf_program__type(p));
      o.Set("type", t ? t : "unknown");
      o.Set("autoload", Napi::Boolean::New(env, bpf_program__autoload(p)));
      out.Set(i++, o);
    }
    return out;
  }

  Napi::Value Maps(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env, "maps");
    Napi::Array out = Napi::Array::New(env);
    bpf_map* m;
    uint32_t i = 0;
    bpf_object__for_each_map(m, obj_->obj) out.Set(i++, MapInfoObject(env, m));
    return out;
  }

  Napi::Value ConstInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    ConstVar cv = FindConst(env, obj_, name);
    Napi::Object o = Napi::Object::New(env);
    o.Set("size", Napi::Number::New(env, static_cast<double>(cv.size)));
    o.Set("kind", cv.kind);
    o.Set("signed", Napi::Boolean::New(env, cv.isSigned));
    o.Set("elemSize", Napi::Number::New(env, static_cast<double>(cv.elemSize)));
    o.Set("count", Napi::Number::New(env, static_cast<double>(cv.count)));
    return o;
  }

  Napi::Value SetConstBytes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    if (!info[1].IsBuffer()) throw Napi::TypeError::New(env, "value must be a Buffer");
    Napi::Buffer<uint8_t> buf = info[1].As<Napi::Buffer<uint8_t>>();
    ConstVar cv = FindConst(env, obj_, name);
    if (buf.Length() != cv.size)
      Throw(env, EINVAL, "setConst", name,
            "size mismatch: the variable has " + std::to_string(cv.size) + " bytes, the value " + std::to_string(buf.Length()));
    memcpy(cv.data, buf.Data(), cv.size);
    return env.Undefined();
  }

  Napi::Value SetMaxEntries(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    uint32_t n = info[1].As<Napi::Number>().Uint32Value();
    RequireOpened(env, obj_, "bpf_map__set_max_entries", name);
    bpf_map* m = FindMap(env, obj_, name, "bpf_map__set_max_entries");
    int ret = bpf_map__set_max_entries(m, n);
    if (ret) Throw(env, ErrFromRet(ret), "bpf_map__set_max_entries", name);
    return env.Undefined();
  }

  Napi::Value SetAutoload(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    bool on = info[1].As<Napi::Boolean>().Value();
    RequireOpened(env, obj_, "bpf_program__set_autoload", name);
    bpf_program* p = FindProgram(env, obj_, name, "bpf_program__set_autoload");
    int ret = bpf_program__set_autoload(p, on);
    if (ret) Throw(env, ErrFromRet(ret), "bpf_program__set_autoload", name);
    return env.Undefined();
  }

  Napi::Value Load(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpened(env, obj_, "bpf_object__load", obj_->name);
    obj_->phase = Phase::Loading;
    auto* w = new LoadWorker(env, obj_);
    Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  }

  Napi::Value Attach(const Napi::CallbackInfo& info) { return AttachFromJs(info, obj_); }

  Napi::Value Map(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>();
    RequireLoaded(env, obj_, "map", name);
    bpf_map* m = FindMap(env, obj_, name, "bpf_object__find_map_by_name");
    return NewMapObject(env, obj_, m);
  }

  Napi::Value ReadRingBuffer(const Napi::CallbackInfo& info) { return ReadRingBufferFromJs(info, obj_, Value()); }

  Napi::Value ProgramStats(const Napi::CallbackInfo& info) { return ProgramStatsFromJs(info, obj_); }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (obj_->phase == Phase::Loading) Throw(env, EBUSY, "bpf_object__close", obj_->name, "load() is in progress");
    obj_->Close();
    return env.Undefined();
  }

  ObjPtr obj_;
};

static Napi::Value OpenObject(const Napi::CallbackInfo& info) {
  AddonData* data = GetData(info.Env());
  return data->objectCtor.New({info[0]});
}

void InitObject(Napi::Env env, Napi::Object exports, AddonData* data) {
  Napi::Function ctor = BpfObjectWrap::Define(env);
  data->objectCtor = Napi::Persistent(ctor);
  exports.Set("openObject", Napi::Function::New(env, OpenObject, "openObject"));
}

}  // namespace ebpf
