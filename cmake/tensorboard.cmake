# TensorBoard event files (src/tensorboard): protobuf-c for the Event/Summary messages,
# libpng for images. The C code for src/tensorboard/tensorboard.proto is generated at
# build time by protoc-c (one source of truth, never a stale generated copy; CI installs
# protobuf-c-compiler with the library through scripts/install-deps.sh).
find_program(CTORCH_PROTOC_C NAMES protoc-c)
find_path(CTORCH_PROTOBUF_C_INCLUDE NAMES protobuf-c/protobuf-c.h)
find_library(CTORCH_PROTOBUF_C NAMES protobuf-c)
find_package(PNG)
if(NOT CTORCH_PROTOC_C OR NOT CTORCH_PROTOBUF_C_INCLUDE OR NOT CTORCH_PROTOBUF_C OR NOT PNG_FOUND)
  message(FATAL_ERROR "TensorBoard logging needs protobuf-c and libpng: "
                      "apt-get install -y libprotobuf-c-dev protobuf-c-compiler libpng-dev (make deps)")
endif()
set(CTORCH_TB_GENERATED ${CMAKE_CURRENT_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${CTORCH_TB_GENERATED}/tensorboard.pb-c.c ${CTORCH_TB_GENERATED}/tensorboard.pb-c.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CTORCH_TB_GENERATED}
  COMMAND ${CTORCH_PROTOC_C} --c_out=${CTORCH_TB_GENERATED} -I${CMAKE_CURRENT_SOURCE_DIR}/src/tensorboard
          ${CMAKE_CURRENT_SOURCE_DIR}/src/tensorboard/tensorboard.proto
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/tensorboard/tensorboard.proto
  COMMENT "protoc-c tensorboard.proto")
target_sources(ctorch_obj PRIVATE ${CTORCH_TB_GENERATED}/tensorboard.pb-c.c)
# Generated code is protobuf-c's, not ours: no warnings from it.
set_source_files_properties(${CTORCH_TB_GENERATED}/tensorboard.pb-c.c PROPERTIES COMPILE_OPTIONS -w)
target_include_directories(ctorch_obj PRIVATE ${CTORCH_TB_GENERATED} ${CTORCH_PROTOBUF_C_INCLUDE} ${PNG_INCLUDE_DIRS})
list(APPEND CTORCH_PRIVATE_LIBS ${CTORCH_PROTOBUF_C} ${PNG_LIBRARIES})
