package convert

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convertShared converts the named source from ../shared/data, skipping the test when the files
// are not there.
func convertShared(t *testing.T, name string) (*data.Dataset, string) {
	t.Helper()
	src, err := Lookup(name)
	require.NoError(t, err)
	dir, err := src.DefaultDir()
	if err != nil {
		t.Skipf("skipping: %s data not available: %v", name, err)
	}
	d, err := src.Convert(dir)
	require.NoError(t, err)
	require.NoError(t, d.Validate())
	return d, dir
}

func countEvents(d *data.Dataset) (search, browse int) {
	for _, u := range d.Users {
		for _, e := range u.Events {
			if e.Kind == data.Search {
				search++
			} else {
				browse++
			}
		}
	}
	return search, browse
}

func TestMovieLens100K(t *testing.T) {
	d, _ := convertShared(t, "ml-100k")
	assert.Equal(t, "ml-100k", d.Name)
	assert.Contains(t, d.Note, "synthesised from the rated movie's genres")
	assert.Equal(t, 943, len(d.Users))
	assert.Equal(t, 1682, len(d.Items))
	search, browse := countEvents(d)
	assert.Equal(t, 100000, search)
	assert.Zero(t, browse)

	toyStory := d.Items[0]
	assert.Equal(t, data.Item{ID: "1", Text: "Toy Story", Attrs: []data.Attr{
		{Field: "genre", Value: "Animation"}, {Field: "genre", Value: "Children's"},
		{Field: "genre", Value: "Comedy"}, {Field: "decade", Value: "1990s"},
	}}, toyStory)
	for i, it := range d.Items {
		if it.ID != strconv.Itoa(i+1) || !utf8.ValidString(it.Text) {
			t.Fatalf("item %d: ID %q (want MovieLens id order), text %q", i, it.ID, it.Text)
		}
	}
	assert.True(t, strings.HasPrefix(d.Items[542].Text, "Mis"), d.Items[542].Text)
	assert.Contains(t, d.Items[1251].Attrs, data.Attr{Field: "decade", Value: "1990s"}, "decade of the release date, not of the title")

	user1 := d.Users[0]
	assert.Equal(t, "1", user1.ID)
	assert.Equal(t, 272, len(user1.Events))
	for _, u := range d.Users {
		for e, cur := range u.Events {
			if cur.Query == "" {
				t.Fatalf("user %s event %d has no query", u.ID, e)
			}
			if prev := u.Events[max(e-1, 0)]; e > 0 && (prev.Time > cur.Time || prev.Time == cur.Time && prev.Item >= cur.Item) {
				t.Fatalf("user %s events %d and %d not sorted by (time, item)", u.ID, e-1, e)
			}
		}
	}
	for _, e := range user1.Events {
		if e.Item == 0 {
			assert.Equal(t, "animation children's comedy", e.Query)
		}
	}
}

func TestBestBuy(t *testing.T) {
	d, dir := convertShared(t, "bestbuy")
	assert.Equal(t, "bestbuy", d.Name)
	// The README's 404 SKUs are those of train.csv; test.csv adds 9 more.
	assert.Equal(t, 413, len(d.Items))
	assert.Equal(t, 38024, len(d.Users))
	search, browse := countEvents(d)
	assert.Equal(t, 33892+8473, search)
	assert.Zero(t, browse)
	for _, u := range d.Users {
		require.NotEmpty(t, u.Events)
	}

	// Item text comes from training queries only.
	trainQueries := make(map[string]map[string]bool) // sku → lower-case queries
	clicks, err := readClicks(filepath.Join(dir, "train.csv"), true, nil)
	require.NoError(t, err)
	for _, c := range clicks {
		if trainQueries[c.sku] == nil {
			trainQueries[c.sku] = make(map[string]bool)
		}
		trainQueries[c.sku][strings.ToLower(c.query)] = true
	}
	withText := 0
	for _, it := range d.Items {
		assert.Equal(t, []data.Attr{{Field: "category", Value: "abcat0701002"}}, it.Attrs)
		if it.Text == "" {
			assert.Empty(t, trainQueries[it.ID], "sku %s has training queries but no text", it.ID)
			continue
		}
		withText++
		parts := strings.Split(it.Text, "; ")
		assert.LessOrEqual(t, len(parts), maxTextQueries)
		for _, q := range parts {
			if !trainQueries[it.ID][q] {
				t.Fatalf("sku %s: text %q is not one of its training queries", it.ID, q)
			}
		}
	}
	assert.Equal(t, 404, len(trainQueries))
	assert.Equal(t, 404, withText, "every SKU clicked in train.csv has text")
}

func TestTikTok(t *testing.T) {
	d, dir := convertShared(t, "tiktok")
	assert.Equal(t, "tiktok", d.Name)
	assert.Contains(t, d.Note, "event times are synthetic")
	assert.Equal(t, []string{"image", "audio"}, d.DenseNames)
	assert.Equal(t, []int{128, 128}, d.DenseDims)
	assert.Equal(t, 6710, len(d.Items))
	assert.Equal(t, 9308, len(d.Users))
	search, browse := countEvents(d)
	assert.Zero(t, search)
	assert.Equal(t, 59541+3051+6130, browse)

	f, err := os.Open(filepath.Join(dir, "image_feat.npy"))
	require.NoError(t, err)
	defer f.Close()
	image, err := ReadNPY(f)
	require.NoError(t, err)
	assert.Equal(t, "<f2", image.Descr)
	assert.Equal(t, []int{6710, 128}, image.Shape)
	for i, it := range d.Items {
		if it.ID != strconv.Itoa(i) || !slices.Equal(image.Row(i), it.Dense[0]) || len(it.Dense[1]) != 128 {
			t.Fatalf("item %d: ID %q, image %v, audio width %d", i, it.ID, it.Dense[0], len(it.Dense[1]))
		}
	}
	nonzero := 0
	for _, x := range image.Data {
		if x != 0 {
			nonzero++
		}
	}
	assert.Greater(t, nonzero, len(image.Data)/2, "features are not blank")
	for _, u := range d.Users {
		for e := 1; e < len(u.Events); e++ {
			if u.Events[e-1].Time >= u.Events[e].Time {
				t.Fatalf("user %s: synthetic times do not increase at event %d", u.ID, e)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	for _, s := range Sources() {
		got, err := Lookup(s.Name)
		require.NoError(t, err)
		assert.Equal(t, s.Dir, got.Dir)
	}
	_, err := Lookup("netflix")
	require.ErrorContains(t, err, `unknown source "netflix" (known: ml-100k, bestbuy, tiktok)`)
}

func TestConvertMissingDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing")
	for _, s := range Sources() {
		_, err := s.Convert(missing)
		require.ErrorIs(t, err, os.ErrNotExist, s.Name)
	}
}

func TestLatin1ToUTF8(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"Mis\xe9rables", "Misérables"},
		{"already UTF-8: Misérables", "already UTF-8: Misérables"},
		{"\xff\xfe", "ÿþ"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, latin1ToUTF8(tt.in))
	}
}

func TestTitleYear(t *testing.T) {
	tests := []struct {
		title, text string
		date        string
		year        int
		ok          bool
	}{
		{"Toy Story (1995)", "Toy Story", "01-Jan-1995", 1995, true},
		{"Contempt (Mépris, Le) (1963)", "Contempt (Mépris, Le)", "27-Jun-1997", 1997, true},
		{"Old Film (1926)", "Old Film", "", 1926, true},
		{"unknown", "unknown", "", 0, false},
		{"(1995)", "", "", 1995, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.text, titleWithoutYear(tt.title), tt.title)
		year, ok := releaseYear(tt.date, tt.title)
		assert.Equal(t, tt.ok, ok, tt.title)
		assert.Equal(t, tt.year, year, tt.title)
	}
}

func TestParseBestBuyTime(t *testing.T) {
	tests := []struct {
		in   string
		unix int64
		nano int
	}{
		{"2011-10-23 17:55:08.626", 1319392508, 626e6},
		{"2011-10-23 17:55:08.6", 1319392508, 600e6},
		{"2011-10-23 17:55:08", 1319392508, 0},
		{" 2011-10-23T17:55:08.62 ", 1319392508, 620e6},
	}
	for _, tt := range tests {
		got, err := parseBestBuyTime(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.unix, got.Unix(), tt.in)
		assert.Equal(t, tt.nano, got.Nanosecond(), tt.in)
	}
	for _, bad := range []string{"", "23/10/2011 17:55", "2011-13-01 00:00:00"} {
		_, err := parseBestBuyTime(bad)
		assert.Error(t, err, bad)
	}
}
