#pragma once
// safetensors: Hugging Face's file format for named tensors (https://huggingface.co/docs/safetensors), the
// format Tessera's checkpoints use so other ecosystems can read them.
//
// Note [safetensors layout]: an 8-byte little-endian uint64 N, then N bytes of UTF-8 JSON (padded with spaces
// so the data starts at a multiple of 8), then the data buffer:
//   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
// Offsets are relative to the buffer start; each tensor is stored contiguous (C order), little-endian; the
// tensors tile the buffer exactly (no holes, no overlaps, nothing after the last one).
#include <map>
#include <string>

#include "tessera/core/state_dict.h"

namespace tessera::io {

/// What a safetensors file holds: its tensors in data-offset order, and its string metadata.
struct SafetensorsFile {
  StateDict tensors;
  std::map<std::string, std::string> metadata;
};

/// Writes `tensors` (in the StateDict's order, each made contiguous) and `metadata` to `path` as safetensors,
/// atomically (Note [Atomic writes] in atomic_file.h). dtypes map to F64 F32 F16 BF16 I64 I32 U8 BOOL.
/// Like the Python `safetensors.torch.save_file`, but the tensors keep the given order.
/// Errors: ValueError naming the key for an undefined or symbolic tensor, the reserved name "__metadata__", or
/// a name or metadata string that is not valid UTF-8; NotImplementedError for a tensor not on the CPU; IOError
/// naming the file when it cannot be written.
void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata = {});

/// Reads a safetensors file into fresh contiguous CPU tensors (`safetensors.torch.load_file` plus the metadata).
/// Reads the header, validates all of it, then reads each tensor's bytes once, straight into its storage.
/// I8 and I16 tensors, which Tessera has no dtype for, are widened to int32; BOOL bytes other than 0 and 1 read
/// as true.
/// Errors: IOError naming the file and the offset or key for: a missing or unreadable file, a file shorter than
/// its 8-byte header length or than the header and data it describes (truncated), a header length past the end
/// of the file, a header that is not a JSON object, non-string metadata, an entry without "dtype", "shape" and
/// "data_offsets" (or with other fields), an unknown or unsupported dtype, negative or non-integer sizes,
/// offsets whose span does not match shape x dtype size, offsets that overlap, leave holes, run past the buffer,
/// or bytes after the last tensor.
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace tessera::io
