package yamledit

import (
	"reflect"
	"testing"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Path
		wantErr bool
	}{
		{in: "image.tag", want: Path{{Key: "image"}, {Key: "tag"}}},
		{in: ".image.tag", want: Path{{Key: "image"}, {Key: "tag"}}},
		{in: "a.b[0].c", want: Path{{Key: "a"}, {Key: "b"}, {Index: 0, IsIndex: true}, {Key: "c"}}},
		{in: "a[1][-1]", want: Path{{Key: "a"}, {Index: 1, IsIndex: true}, {Index: -1, IsIndex: true}}},
		{in: `annotations."example.com/x"`, want: Path{{Key: "annotations"}, {Key: "example.com/x"}}},
		{in: `a.'it''s'.b`, want: Path{{Key: "a"}, {Key: "it's"}, {Key: "b"}}},
		{in: `a."q\"uote"`, want: Path{{Key: "a"}, {Key: `q"uote`}}},
		{in: "[0].name", want: Path{{Index: 0, IsIndex: true}, {Key: "name"}}},
		{in: "", wantErr: true},
		{in: "a..b", wantErr: true},
		{in: "a.", wantErr: true},
		{in: "a[x]", wantErr: true},
		{in: "a[0", wantErr: true},
		{in: `a."open`, wantErr: true},
		{in: `a"b"`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParsePath(tt.in)
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			continue
		}
		if err == nil {
			again, err := ParsePath(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("ParsePath(%q).String() = %q does not read back", tt.in, got.String())
			}
		}
	}
}
