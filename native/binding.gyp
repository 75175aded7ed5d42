{
  "targets": [
    {
      "target_name": "ebpf_native",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/log.cc",
        "src/object.cc",
        "src/map.cc",
        "src/attach.cc",
        "src/ringbuf.cc",
        "src/stats.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lpthread"]
    }
  ]
}
