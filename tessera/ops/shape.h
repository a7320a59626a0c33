#pragma once
// (being written)
#include "tessera/ops/op.h"
