{
  "variables": {
    "itersolve_x64%": "<!(node -p \"process.arch === 'x64' ? 1 : 0\")"
  },
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags": ["-O3", "-fPIC", "-fno-math-errno", "-Wno-unused-function"],
    "cflags_cc": ["-std=c++17", "-fexceptions"],
    "defines": ["NAPI_VERSION=9", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "11.0",
      "OTHER_CFLAGS": ["-O3"]
    },
    "msvs_settings": {
      "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] }
    }
  },
  "targets": [
    {
      "target_name": "itersolve",
      "sources": [
        "<!@(node scripts/sources.js core)",
        "<!@(node scripts/sources.js bindings)"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "conditions": [
        ["itersolve_x64==1", {
          "dependencies": ["itersolve_avx2", "itersolve_avx512"]
        }]
      ]
    }
  ],
  "conditions": [
    ["itersolve_x64==1", {
      "targets": [
        {
          "target_name": "itersolve_avx2",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx2)"],
          "cflags": ["<!@(node scripts/sources.js avx2 --flags)"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node scripts/sources.js avx2 --flags)"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX2"] } }
        },
        {
          "target_name": "itersolve_avx512",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js avx512)"],
          "cflags": ["<!@(node scripts/sources.js avx512 --flags)", "-Wno-uninitialized"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node scripts/sources.js avx512 --flags)"] },
          "msvs_settings": { "VCCLCompilerTool": { "AdditionalOptions": ["/arch:AVX512"] } }
        }
      ]
    }]
  ]
}
