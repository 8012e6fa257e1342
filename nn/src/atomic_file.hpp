#pragma once
// Files for checkpoints: whole-file reads, writes flushed to the device, renames, and the one
// place that builds a CheckpointError's text. Private to chainrule::nn.

#include <filesystem>
#include <string>

namespace chainrule::nn::detail {

/// Throws CheckpointError("chainrule: checkpoint: " + message).
[[noreturn]] void fail(const std::string& message);
/// 'path', for messages.
std::string quoted(const std::filesystem::path& path);

/// The whole file; CheckpointError naming it when it is missing or unreadable.
std::string read_all(const std::filesystem::path& file);
/// Writes `bytes` to `path` and flushes them to the device before returning.
void write_synced(const std::filesystem::path& path, const std::string& bytes);
/// fsync of a file or directory (a directory's entries: a rename made durable).
void sync_path(const std::filesystem::path& path, bool directory);
/// std::filesystem::rename, or CheckpointError naming both paths.
void rename_or_fail(const std::filesystem::path& from, const std::filesystem::path& to);
/// Writes `bytes` to `path` + ".tmp", flushes, and renames it over `path`: readers see the old
/// file or the new one, never a part.
void write_atomically(const std::filesystem::path& path, const std::string& bytes);

}  // namespace chainrule::nn::detail
