// Errors: every failure becomes a JS Error with code, errno, syscall, target.
#include <cerrno>
#include <cstring>

#include "common.h"

namespace ebpf {

std::string ErrnoName(int err) {
  if (err < 0) err = -err;
  switch (err) {
    // Kernel-internal values that BPF syscalls do return to user space.
    case 512: return "ERESTARTSYS";
    case 524: return "ENOTSUPP";
    default: break;
  }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (const char* name = strerrorname_np(err)) return name;
#endif
  return "EUNKNOWN";
}

static std::string Describe(int err) {
  if (err == 524) return "Operation not supported by the kernel";
  char buf[128];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* s = strerror_r(err, buf, sizeof buf);
  return s ? s : "Unknown error";
}

int ErrFromRet(long ret) {
  if (ret < 0 && ret != -1) return static_cast<int>(-ret);
  int e = errno;
  return e > 0 ? e : EINVAL;
}

Napi::Error MakeError(Napi::Env env, int err, const std::string& syscall, const std::string& target,
                      const std::string& detail, const std::string& verifierLog) {
  if (err < 0) err = -err;
  if (err == 0) err = EINVAL;
  std::string code = ErrnoName(err);
  std::string msg = syscall;
  if (!target.empty()) msg += "(" + target + ")";
  msg += ": " + code + ": " + Describe(err);
  if (!detail.empty()) msg += ": " + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  Napi::Object o = e.Value();
  o.Set("code", code);
  o.Set("errno", Napi::Number::New(env, err));
  o.Set("syscall", syscall);
  if (!target.empty()) o.Set("target", target);
  if (!verifierLog.empty()) o.Set("verifierLog", verifierLog);
  return e;
}

void Throw(Napi::Env env, int err, const std::string& syscall, const std::string& target, const std::string& detail) {
  throw MakeError(env, err, syscall, target, detail);
}

}  // namespace ebpf
