#pragma once
// Everything of tessera::nn: modules, layers, initializers, the functional forms and the losses.
#include "tessera/nn/activation.h"
#include "tessera/nn/container.h"
#include "tessera/nn/conv.h"
#include "tessera/nn/dropout.h"
#include "tessera/nn/functional.h"
#include "tessera/nn/init.h"
#include "tessera/nn/linear.h"
#include "tessera/nn/loss.h"
#include "tessera/nn/module.h"
#include "tessera/nn/normalization.h"
#include "tessera/nn/pooling.h"
#include "tessera/nn/trace.h"
