// Attach: auto (the program's SEC), uprobe, perf_event (software cpu-clock on
// each CPU), tc (clsact, fixed handle/priority, BPF_TC_F_REPLACE) and cgroup.
// Every attachment is a Link whose destroy() is idempotent.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>

#include "common.h"

namespace ebpf {

namespace {

/** The default tc priority of our filters (tc shows it as "pref 60319"). */
constexpr uint32_t kTcDefaultPriority = 0xeb9f;
/** The high 16 bits of our default tc handles; the low 16 are a hash of the program name. */
constexpr uint32_t kTcHandlePrefix = 0xeb9f0000;

uint32_t DefaultTcHandle(const std::string& program) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : program) {
    h ^= c;
    h *= 16777619u;
  }
  return kTcHandlePrefix | (h & 0xffff);
}

std::string Hex(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

// ---- link kinds ----------------------------------------------------------------

class LibbpfLinks : public LinkState {
 public:
  LibbpfLinks(std::string program, std::string description, std::vector<bpf_link*> links)
      : LinkState(std::move(program), std::move(description)), links_(std::move(links)) {}
  ~LibbpfLinks() override { Destroy(); }

 protected:
  int DoDestroy() override {
    int first = 0;
    for (bpf_link* l : links_) {
      int ret = bpf_link__destroy(l);
      if (ret && !first) first = ErrFromRet(ret);
    }
    links_.clear();
    return first;
  }

 private:
  std::vector<bpf_link*> links_;
};

/** clsact qdiscs this process uses, by ifindex: how many of our links use each and whether we created it. */
struct QdiscUse {
  int refs = 0;
  bool created = false;
};
std::mutex gQdiscMutex;
std::map<int, QdiscUse> gQdiscs;

void QdiscRelease(int ifindex) {
  std::lock_guard<std::mutex> lock(gQdiscMutex);
  auto it = gQdiscs.find(ifindex);
  if (it == gQdiscs.end()) return;
  if (--it->second.refs > 0) return;
  bool created = it->second.created;
  gQdiscs.erase(it);
  if (created) {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                        .attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
    bpf_tc_hook_destroy(&hook);  // the interface may be gone already: nothing to undo then
  }
}

class TcLink : public LinkState {
 public:
  TcLink(std::string program, std::string description, int ifindex, bpf_tc_attach_point point, uint32_t handle,
         uint32_t priority)
      : LinkState(std::move(program), std::move(description)),
        ifindex_(ifindex),
        point_(point),
        handle_(handle),
        priority_(priority) {}
  ~TcLink() override { Destroy(); }

 protected:
  int DoDestroy() override {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex_, .attach_point = point_);
    DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle_, .priority = priority_);
    int ret = bpf_tc_detach(&hook, &opts);
    int err = ret ? ErrFromRet(ret) : 0;
    if (err == ENOENT || err == ENODEV || err == EINVAL) err = 0;  // already gone (or the interface is)
    QdiscRelease(ifindex_);
    return err;
  }

 private:
  int ifindex_;
  bpf_tc_attach_point point_;
  uint32_t handle_, priority_;
};

// ---- helpers -------------------------------------------------------------------

struct Captured {
  LogCapture cap;
  Captured() { SetThreadCapture(&cap); }
  ~Captured() { SetThreadCapture(nullptr); }
  std::string LastWarn() const {
    for (size_t i = cap.lines.size(); i-- > 0;)
      if (cap.lines[i].rfind("libbpf: ", 0) == 0) return cap.lines[i].substr(8);
    return std::string();
  }
};

std::string GetString(Napi::Object o, const char* key, const std::string& def = "") {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : def;
}

int64_t GetInt(Napi::Object o, const char* key, int64_t def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : def;
}

std::vector<int> OnlineCpus() {
  std::vector<int> cpus;
  FILE* f = fopen("/sys/devices/system/cpu/online", "r");
  if (f) {
    char buf[4096];
    if (fgets(buf, sizeof buf, f)) {
      std::stringstream ss(buf);
      std::string part;
      while (std::getline(ss, part, ',')) {
        int a, b;
        if (sscanf(part.c_str(), "%d-%d", &a, &b) == 2) {
          for (int c = a; c <= b; c++) cpus.push_back(c);
        } else if (sscanf(part.c_str(), "%d", &a) == 1) {
          cpus.push_back(a);
        }
      }
    }
    fclose(f);
  }
  if (cpus.empty())
    for (int c = 0; c < NumPossibleCpus(); c++) cpus.push_back(c);
  return cpus;
}

// ---- the JS Link -----------------------------------------------------------------

class LinkWrap : public Napi::ObjectWrap<LinkWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeLink",
                       {
                           InstanceAccessor<&LinkWrap::GetProgram>("program"),
                           InstanceAccessor<&LinkWrap::GetDescription>("description"),
                           InstanceAccessor<&LinkWrap::GetDestroyed>("destroyed"),
                           InstanceMethod<&LinkWrap::DestroyJs>("destroy"),
                       });
  }
  LinkWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LinkWrap>(info) {}
  void Init(const ObjPtr& obj, std::shared_ptr<LinkState> link) {
    obj_ = obj;
    link_ = std::move(link);
  }

 private:
  Napi::Value GetProgram(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), link_->program()); }
  Napi::Value GetDescription(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), link_->description()); }
  Napi::Value GetDestroyed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), link_->destroyed()); }

  Napi::Value DestroyJs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (link_->destroyed()) return env.Undefined();
    int err = link_->Destroy();
    auto& links = obj_->links;
    for (auto it = links.begin(); it != links.end(); ++it) {
      if (it->get() == link_.get()) {
        links.erase(it);
        break;
      }
    }
    if (err) Throw(env, err, "bpf_link__destroy", link_->program(), link_->description());
    return env.Undefined();
  }

  ObjPtr obj_;
  std::shared_ptr<LinkState> link_;
};

Napi::Value Wrap(Napi::Env env, const ObjPtr& obj, std::shared_ptr<LinkState> link) {
  obj->links.push_back(link);
  Napi::Object o = GetData(env)->linkCtor.New({});
  LinkWrap::Unwrap(o)->Init(obj, std::move(link));
  return o;
}

}  // namespace

Napi::Value AttachFromJs(const Napi::CallbackInfo& info, const ObjPtr& obj) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject())
    throw Napi::TypeError::New(env, "attach(program: string, spec: object)");
  std::string name = info[0].As<Napi::String>();
  Napi::Object spec = info[1].As<Napi::Object>();
  std::string kind = GetString(spec, "kind", "auto");
  RequireLoaded(env, obj, "attach", name);
  bpf_program* prog = FindProgram(env, obj, name, "attach");
  if (bpf_program__fd(prog) < 0) Throw(env, EBADF, "attach", name, "the program was not loaded (autoload off?)");

  if (kind == "auto") {
    Captured c;
    bpf_link* l = bpf_program__attach(prog);
    long err = libbpf_get_error(l);
    if (!l || err) Throw(env, err ? ErrFromRet(err) : ErrFromRet(-1), "bpf_program__attach", name, c.LastWarn());
    std::string desc = bpf_program__section_name(prog);
    return Wrap(env, obj, std::make_shared<LibbpfLinks>(name, desc, std::vector<bpf_link*>{l}));
  }

  if (kind == "uprobe") {
    std::string binary = GetString(spec, "binary");
    std::string symbol = GetString(spec, "symbol");
    int pid = static_cast<int>(GetInt(spec, "pid", -1));
    bool retprobe = spec.Get("retprobe").ToBoolean().Value();
    // Bytes past the symbol's start (libbpf adds it to the symbol's offset); entry probes only.
    int64_t offset = GetInt(spec, "offset", 0);
    if (offset < 0 || (offset > 0 && retprobe)) Throw(env, EINVAL, "bpf_program__attach_uprobe_opts", name, "offset must be >= 0, and 0 for a retprobe");
    DECLARE_LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe, .func_name = symbol.c_str());
    Captured c;
    bpf_link* l = bpf_program__attach_uprobe_opts(prog, pid, binary.c_str(), static_cast<size_t>(offset), &opts);
    long err = libbpf_get_error(l);
    if (!l || err)
      Throw(env, err ? ErrFromRet(err) : ErrFromRet(-1), "bpf_program__attach_uprobe_opts", name,
            binary + ":" + symbol + (c.LastWarn().empty() ? "" : ": " + c.LastWarn()));
    std::string desc = std::string(retprobe ? "uretprobe " : "uprobe ") + binary + ":" + symbol +
                       (offset > 0 ? "+" + std::to_string(offset) : "") + (pid >= 0 ? " pid " + std::to_string(pid) : "");
    return Wrap(env, obj, std::make_shared<LibbpfLinks>(name, desc, std::vector<bpf_link*>{l}));
  }

  if (kind == "perf_event") {
    uint64_t freq = static_cast<uint64_t>(GetInt(spec, "frequency", 99));
    std::vector<int> cpus;
    Napi::Value cv = spec.Get("cpus");
    if (cv.IsArray()) {
      Napi::Array arr = cv.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) cpus.push_back(arr.Get(i).As<Napi::Number>().Int32Value());
    } else {
      cpus = OnlineCpus();
    }
    std::vector<bpf_link*> links;
    auto undo = [&]() {
      for (bpf_link* l : links) bpf_link__destroy(l);
    };
    for (int cpu : cpus) {
      struct perf_event_attr attr;
      memset(&attr, 0, sizeof attr);
      attr.size = sizeof attr;
      attr.type = PERF_TYPE_SOFTWARE;
      attr.config = PERF_COUNT_SW_CPU_CLOCK;
      attr.freq = 1;
      attr.sample_freq = freq;
      int fd = static_cast<int>(syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC));
      if (fd < 0) {
        int err = errno;
        undo();
        Throw(env, err, "perf_event_open", name, "cpu-clock on CPU " + std::to_string(cpu));
      }
      Captured c;
      bpf_link* l = bpf_program__attach_perf_event(prog, fd);
      long err = libbpf_get_error(l);
      if (!l || err) {
        int e = err ? ErrFromRet(err) : ErrFromRet(-1);
        close(fd);
        undo();
        Throw(env, e, "bpf_program__attach_perf_event", name, "CPU " + std::to_string(cpu) + (c.LastWarn().empty() ? "" : ": " + c.LastWarn()));
      }
      links.push_back(l);  // the link owns the perf event fd from here on
    }
    std::string desc = "perf_event cpu-clock " + std::to_string(freq) + " Hz on " + std::to_string(cpus.size()) + " CPUs";
    return Wrap(env, obj, std::make_shared<LibbpfLinks>(name, desc, std::move(links)));
  }

  if (kind == "tc") {
    std::string ifname = GetString(spec, "ifname");
    bool ingress = GetString(spec, "direction", "ingress") != "egress";
    uint32_t priority = static_cast<uint32_t>(GetInt(spec, "priority", kTcDefaultPriority));
    uint32_t handle = static_cast<uint32_t>(GetInt(spec, "handle", DefaultTcHandle(name)));
    int ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (ifindex == 0) Throw(env, errno ? errno : ENODEV, "if_nametoindex", name, ifname);
    {
      std::lock_guard<std::mutex> lock(gQdiscMutex);
      QdiscUse& use = gQdiscs[ifindex];
      if (use.refs == 0) {
        DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
        int ret = bpf_tc_hook_create(&hook);
        int err = ret ? ErrFromRet(ret) : 0;
        if (err && err != EEXIST) {
          gQdiscs.erase(ifindex);
          Throw(env, err, "bpf_tc_hook_create", name, ifname + " clsact");
        }
        use.created = err == 0;
      }
      use.refs++;
    }
    bpf_tc_attach_point point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
    DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(prog), .flags = BPF_TC_F_REPLACE,
                        .handle = handle, .priority = priority);
    Captured c;
    int ret = bpf_tc_attach(&hook, &opts);
    if (ret) {
      int err = ErrFromRet(ret);
      QdiscRelease(ifindex);
      Throw(env, err, "bpf_tc_attach", name, ifname + (ingress ? " ingress" : " egress") + (c.LastWarn().empty() ? "" : ": " + c.LastWarn()));
    }
    std::string desc = "tc " + ifname + (ingress ? " ingress" : " egress") + " handle " + Hex(handle) + " priority " + Hex(priority);
    return Wrap(env, obj, std::make_shared<TcLink>(name, desc, ifindex, point, handle, priority));
  }

  if (kind == "cgroup") {
    std::string path = GetString(spec, "path");
    int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) Throw(env, errno, "open", name, path);
    Captured c;
    bpf_link* l = bpf_program__attach_cgroup(prog, fd);
    long err = libbpf_get_error(l);
    int e = (!l || err) ? (err ? ErrFromRet(err) : ErrFromRet(-1)) : 0;
    close(fd);  // the link holds the cgroup
    if (e) Throw(env, e, "bpf_program__attach_cgroup", name, path + (c.LastWarn().empty() ? "" : ": " + c.LastWarn()));
    std::string desc = std::string("cgroup ") + bpf_program__section_name(prog) + " " + path;
    return Wrap(env, obj, std::make_shared<LibbpfLinks>(name, desc, std::vector<bpf_link*>{l}));
  }

  Throw(env, EINVAL, "attach", name, "unknown attach kind '" + kind + "'");
}

static Napi::Value OnlineCpusJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<int> cpus = OnlineCpus();
  Napi::Array out = Napi::Array::New(env, cpus.size());
  for (size_t i = 0; i < cpus.size(); i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, cpus[i]));
  return out;
}

void InitAttach(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->linkCtor = Napi::Persistent(LinkWrap::Define(env));
  exports.Set("onlineCpus", Napi::Function::New(env, OnlineCpusJs, "onlineCpus"));
  exports.Set("tcDefaults", [&]() {
    Napi::Object o = Napi::Object::New(env);
    o.Set("priority", Napi::Number::New(env, kTcDefaultPriority));
    o.Set("handlePrefix", Napi::Number::New(env, kTcHandlePrefix));
    return o;
  }());
  exports.Set("tcDefaultHandle", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), DefaultTcHandle(info[0].As<Napi::String>().Utf8Value()));
  }, "tcDefaultHandle"));
}

}  // namespace ebpf
