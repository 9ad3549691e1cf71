/// @file safetensors.h
#ifndef CTORCH_SAFETENSORS_H
#define CTORCH_SAFETENSORS_H
#endif
