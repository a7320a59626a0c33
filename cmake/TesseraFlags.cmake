# Compiler flags shared by every Tessera target.
include(CheckCXXCompilerFlag)

function(tessera_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(TESSERA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(TESSERA_NATIVE)
  check_cxx_compiler_flag(-march=native TESSERA_HAS_MARCH_NATIVE)
  if(TESSERA_HAS_MARCH_NATIVE)
    add_compile_options(-march=native)
    # GCC 12's straight-line (SLP) vectorizer miscompiles some constant vectors with AVX-512: at -O2
    # -march=native, std::vector<int64_t>{1, 1, 1, 0} holds {1, 1, 1, 1} (a broadcast store). Loop
    # vectorization, which the kernels rely on, is unaffected.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      add_compile_options(-fno-tree-slp-vectorize)
    endif()
  endif()
endif()

if(CMAKE_BUILD_TYPE STREQUAL "Release" OR CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo")
  # Let GCC vectorize the elementwise inner loops; no -ffast-math (NaN/Inf must survive for anomaly mode).
  add_compile_options(-O3)
endif()

if(TESSERA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
