/// @file export.h
/// @brief Symbol visibility: the library is built with hidden visibility and exports
/// exactly the functions marked CT_API.
#ifndef CTORCH_EXPORT_H
#define CTORCH_EXPORT_H
#if defined(_WIN32)
#  ifdef CTORCH_BUILDING
#    define CT_API __declspec(dllexport)
#  else
#    define CT_API
#  endif
#else
#  define CT_API __attribute__((visibility("default")))
#endif
#endif
