# The CUDA backend (src/kernels/cuda): compiled whenever the CUDA toolkit is found, so
# CI compiles it on machines without a GPU; -DCTORCH_USE_CUDA=OFF or no toolkit leaves
# the CPU-only library. Included after the ctorch targets exist: the .cu files form
# their own object library, because the C flags set for the whole directory (warnings,
# -march, sanitizers) are not nvcc's.
include(CheckLanguage)
if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc) # Debian/NVIDIA's install path, not on PATH
endif()
check_language(CUDA)
set(CTORCH_CUDA_DEFAULT OFF)
if(CMAKE_CUDA_COMPILER)
  set(CTORCH_CUDA_DEFAULT ON)
endif()
option(CTORCH_USE_CUDA "Build the CUDA backend (needs nvcc, cudart, cuBLAS)" ${CTORCH_CUDA_DEFAULT})
if(NOT CTORCH_USE_CUDA)
  message(STATUS "ctorch: no CUDA backend (CTORCH_USE_CUDA=${CTORCH_USE_CUDA}, nvcc: ${CMAKE_CUDA_COMPILER})")
  return()
endif()

# CUDA 13 builds sm_75 and newer; sm_80 (A100) and sm_90 (H100) cover the machines in use,
# and compute_90 PTX lets newer GPUs JIT the kernels.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
endif()
enable_language(CUDA)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
find_package(CUDAToolkit REQUIRED)
message(STATUS "ctorch: CUDA backend (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")

file(GLOB CTORCH_CUDA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/cuda/*.cu)
add_library(ctorch_cuda OBJECT ${CTORCH_CUDA_SOURCES})
# Start from no inherited options: the directory's C options (-Wpedantic, -march, ASan)
# would reach nvcc. Kernels round as written: no fused multiply-add contraction.
set_property(TARGET ctorch_cuda PROPERTY COMPILE_OPTIONS "")
target_compile_options(ctorch_cuda PRIVATE --fmad=false -Xcompiler=-fvisibility=hidden,-Wall
                                           --expt-relaxed-constexpr)
set_target_properties(ctorch_cuda PROPERTIES POSITION_INDEPENDENT_CODE ON CUDA_VISIBILITY_PRESET hidden)
target_include_directories(ctorch_cuda PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_BINARY_DIR}/include
                                               ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_compile_definitions(ctorch_obj PRIVATE CTORCH_HAVE_CUDA)
set(CTORCH_HAVE_CUDA ON)

foreach(lib ctorch ctorch_static)
  target_sources(${lib} PRIVATE $<TARGET_OBJECTS:ctorch_cuda>)
  # Made before CUDA was enabled, so without the architectures' default.
  set_target_properties(${lib} PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  # By full path (as the other libraries), so the exported static target needs no
  # imported ones; nvcc's objects are C++: libstdc++ comes with them.
  target_link_libraries(${lib} PRIVATE ${CUDA_cudart_LIBRARY} ${CUDA_cublas_LIBRARY} stdc++)
endforeach()
