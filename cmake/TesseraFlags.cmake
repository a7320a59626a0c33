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
