package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
	typ              byte
}

func tgz(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hd := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if typ != tar.TypeReg {
			hd.Size = 0
		}
		if err := tw.WriteHeader(hd); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractTarGz(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		wantErr error
		want    map[string]string
	}{
		{name: "a chart", data: tgz(t, entry{name: "web/", typ: tar.TypeDir}, entry{name: "web/Chart.yaml", body: "name: web\n"},
			entry{name: "web/templates/cm.yaml", body: "kind: ConfigMap\n"}),
			want: map[string]string{"web/Chart.yaml": "name: web\n", "web/templates/cm.yaml": "kind: ConfigMap\n"}},
		{name: "an absolute path", data: tgz(t, entry{name: "/etc/passwd", body: "x"}), wantErr: ErrUnsafe},
		{name: "a parent component", data: tgz(t, entry{name: "web/../../evil", body: "x"}), wantErr: ErrUnsafe},
		{name: "a windows parent", data: tgz(t, entry{name: "web\\..\\..\\evil", body: "x"}), wantErr: ErrUnsafe},
		{name: "a drive letter", data: tgz(t, entry{name: "c:/evil", body: "x"}), wantErr: ErrUnsafe},
		{name: "a symlink", data: tgz(t, entry{name: "web/values.yaml", typ: tar.TypeSymlink, link: "/etc/shadow"}), wantErr: ErrUnsafe},
		{name: "a hard link", data: tgz(t, entry{name: "web/a", body: "x"}, entry{name: "web/b", typ: tar.TypeLink, link: "web/a"}), wantErr: ErrUnsafe},
		{name: "a device", data: tgz(t, entry{name: "web/dev", typ: tar.TypeChar}), wantErr: ErrUnsafe},
		{name: "a file twice", data: tgz(t, entry{name: "web/a", body: "1"}, entry{name: "web/./a", body: "2"}), wantErr: ErrUnsafe},
		{name: "too many bytes", data: tgz(t, entry{name: "web/a", body: strings.Repeat("x", 100)}), lim: Limits{MaxBytes: 50}, wantErr: ErrTooLarge},
		{name: "too many bytes in total", data: tgz(t, entry{name: "web/a", body: strings.Repeat("x", 40)}, entry{name: "web/b", body: strings.Repeat("x", 40)}), lim: Limits{MaxBytes: 50}, wantErr: ErrTooLarge},
		{name: "too many files", data: tgz(t, entry{name: "a", body: "1"}, entry{name: "b", body: "2"}, entry{name: "c", body: "3"}), lim: Limits{MaxFiles: 2}, wantErr: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			err := ExtractTarGz(bytes.NewReader(tt.data), dst, tt.lim)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ExtractTarGz = %v, want %v", err, tt.wantErr)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(dst), "evil")); err == nil {
					t.Error("a file was written outside the destination")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, body := range tt.want {
				b, err := os.ReadFile(filepath.Join(dst, name))
				if err != nil || string(b) != body {
					t.Errorf("%s = %q, %v; want %q", name, b, err, body)
				}
			}
			top, err := SingleTop(dst)
			if err != nil || filepath.Base(top) != "web" {
				t.Errorf("SingleTop = %q, %v", top, err)
			}
		})
	}
}

func TestExtractCorrupt(t *testing.T) {
	good := tgz(t, entry{name: "web/Chart.yaml", body: strings.Repeat("name: web\n", 100)})
	for name, data := range map[string][]byte{
		"not gzip":  []byte("<html>not found</html>"),
		"truncated": good[:len(good)/2],
	} {
		t.Run(name, func(t *testing.T) {
			if err := ExtractTarGz(bytes.NewReader(data), t.TempDir(), Limits{}); err == nil {
				t.Error("a corrupt archive was extracted")
			}
		})
	}
}

func FuzzExtractTarGz(f *testing.F) {
	f.Add(tgz(f, entry{name: "web/Chart.yaml", body: "name: web\n"}))
	f.Add(tgz(f, entry{name: "../evil", body: "x"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dst := filepath.Join(parent, "out")
		_ = ExtractTarGz(bytes.NewReader(data), dst, Limits{MaxBytes: 1 << 20, MaxFiles: 100})
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			if e.Name() != "out" {
				t.Fatalf("wrote %s outside the destination", e.Name())
			}
		}
	})
}
