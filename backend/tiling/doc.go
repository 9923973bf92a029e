// Package tiling decodes the images professors import (phone pictures,
// aerial photographs, microscope slides of up to a gigapixel, 16-bit TIFFs,
// and files that are broken or hostile) and cuts them into the tiles,
// thumbnails and Deep Zoom pyramids the rest of Tessera shows and trains on.
// It is pure image work on paths, readers and output folders: no database,
// no progress storage.
//
// The path of a file:
//
//	Probe / ProbeFile   format from the content (JPEG, PNG, TIFF, BMP, WebP),
//	                    size, depth, channels and EXIF orientation from the
//	                    header; Limits and header-versus-file-size checks
//	                    before any pixel is allocated
//	Decode              the decoder of that format (the standard library's,
//	                    x/image's; uncompressed strip TIFFs read directly
//	                    into the image), panics recovered, JPEGs turned
//	                    upright
//	WriteTiles          lossless PNG crops at the image's own bit depth and
//	                    channels, on all cores, each renamed into place
//	WriteThumbnail      a small JPEG; 16-bit images through a Stretch
//	WritePyramid        Deep Zoom JPEG tiles <level>/<col>_<row>.jpg
//
// Errors a user can act on are *backend.Error with code EINVALID (not an
// image, corrupt, truncated, unsupported) or ETOOLARGE (over a limit), and
// their messages name the file.
package tiling
