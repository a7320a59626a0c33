#pragma once
// Everything of graph mode: tracing, Function (run with feeds and fetches), symbolic gradients, passes, printing.
#include "tessera/graph/cond.h"
#include "tessera/graph/function.h"
#include "tessera/graph/gradients.h"
#include "tessera/graph/graph.h"
#include "tessera/graph/name_scope.h"
#include "tessera/graph/passes/memory_plan.h"
#include "tessera/graph/passes/passes.h"
#include "tessera/graph/print.h"
#include "tessera/graph/scan.h"
#include "tessera/graph/trace.h"
