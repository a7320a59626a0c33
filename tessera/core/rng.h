#pragma once
// (being written)
#include <cstdint>
