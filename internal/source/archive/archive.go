// Package archive extracts the gzip-compressed tar archives that chart
// repositories and OCI registries serve, refusing what could escape the
// destination or exhaust the disk: absolute paths, ".." components, links,
// devices, and archives over a size or file-count bound.
package archive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits bound an extraction; zero values take the defaults.
type Limits struct {
	// MaxBytes bounds the uncompressed size of all files (64 MiB).
	MaxBytes int64
	// MaxFiles bounds the number of entries (10,000).
	MaxFiles int
}

const (
	defaultMaxBytes = 64 << 20
	defaultMaxFiles = 10000
)

// ErrUnsafe is an entry that extraction refuses.
var ErrUnsafe = errors.New("unsafe archive entry")

// ErrTooLarge is an archive over its Limits.
var ErrTooLarge = errors.New("archive too large")

// ExtractTarGz extracts the gzip-compressed tar stream r into dst, which
// it creates. Only directories and regular files are written, with modes
// 0755 and 0644. dst is left partly written on error; callers extract into
// a temporary folder and rename it.
func ExtractTarGz(r io.Reader, dst string, lim Limits) error {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = defaultMaxBytes
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = defaultMaxFiles
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzip archive: %w", err)
	}
	defer zr.Close()
	return ExtractTar(zr, dst, lim)
}

// ExtractTar extracts the uncompressed tar stream r into dst, as
// ExtractTarGz does.
func ExtractTar(r io.Reader, dst string, lim Limits) error {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = defaultMaxBytes
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = defaultMaxFiles
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	left, files := lim.MaxBytes, 0
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("corrupt archive: %w", err)
		}
		files++
		if files > lim.MaxFiles {
			return fmt.Errorf("%w: more than %d entries", ErrTooLarge, lim.MaxFiles)
		}
		switch hd.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		}
		name, err := entryName(hd.Name)
		if err != nil {
			return err
		}
		switch hd.Typeflag {
		case tar.TypeDir:
			if name != "." {
				if err := root.MkdirAll(name, 0o755); err != nil {
					return err
				}
			}
		case tar.TypeReg:
			if hd.Size > left {
				return fmt.Errorf("%w: more than %d bytes uncompressed", ErrTooLarge, lim.MaxBytes)
			}
			n, err := writeFile(root, name, tr, left)
			if err != nil {
				return err
			}
			left -= n
		case tar.TypeSymlink, tar.TypeLink:
			return fmt.Errorf("%w: %s is a link (to %s)", ErrUnsafe, hd.Name, hd.Linkname)
		default:
			return fmt.Errorf("%w: %s is not a regular file or directory", ErrUnsafe, hd.Name)
		}
	}
}

// entryName cleans an entry's name, refusing absolute paths, drive
// letters and ".." components.
func entryName(raw string) (string, error) {
	n := strings.ReplaceAll(raw, "\\", "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return "", fmt.Errorf("%w: %s is an absolute path", ErrUnsafe, raw)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: %s leaves the archive's folder", ErrUnsafe, raw)
		}
	}
	n = path.Clean(n)
	if n == "" {
		n = "."
	}
	return n, nil
}

func writeFile(root *os.Root, name string, r io.Reader, left int64) (int64, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
	}
	f, err := root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return 0, fmt.Errorf("%w: %s appears twice", ErrUnsafe, name)
		}
		return 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, left+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("corrupt archive: %s: %w", name, err)
	}
	if n > left {
		return n, fmt.Errorf("%w: more than %d bytes uncompressed", ErrTooLarge, left)
	}
	return n, nil
}

// SingleTop returns the only top-level folder of dir, as chart archives
// hold "name/Chart.yaml"; it fails when dir holds anything else.
func SingleTop(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	if len(entries) != 1 || !entries[0].IsDir() {
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return "", fmt.Errorf("want one top-level folder in the archive, found %q", names)
	}
	return filepath.Join(dir, entries[0].Name()), nil
}
