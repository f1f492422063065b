//! The integration and conformance tests, linked into one binary (as
//! ripgrep does): each former test file is a module, so the core and its
//! dependencies are linked once instead of once per file.
//!
//! Run one area with a filter, e.g.
//! `cargo test -p mediascrub-tests --test integration video_mp4::`.
//!
//! Tests that need the corpus (`../shared/corpus`, `MEDIASCRUB_CORPUS`) or
//! an oracle (exiftool, ffmpeg/ffprobe, djpeg, dwebp, djxl, opj_decompress)
//! fail when it is missing, saying how to install it; see [`common::have`] and the README's test
//! section for `MEDIASCRUB_ALLOW_SKIP=1`.

mod common;
mod video_common;

mod audio;
mod camera_roll;
mod fail_closed;
mod heif;
mod jpeg_corpus;
mod jpeg_writers;
mod mjpeg_frames;
mod mutations;
mod png_gif;
mod regressions;
mod samples;
mod tiff;
mod video_avi;
mod video_limits;
mod video_matroska;
mod video_mp4;
mod webp_jxl_jp2;
