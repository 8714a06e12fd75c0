package convert

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seminar-ranker/seminar/core/data"
)

// maxTextQueries bounds how many distinct queries make up one product's text.
const maxTextQueries = 32

const bestBuyNote = "Best Buy small (Xbox games): one search event per click, the typed query with the " +
	"clicked product, from train.csv and test.csv, ordered by click time (Unix seconds, clock taken as " +
	"UTC). Product names are not in the data: an item's text is built only from the queries that led " +
	"to it in train.csv (up to 32 distinct ones, most frequent first), never from test.csv, so no " +
	"test query leaks into the catalogue; items clicked only in test.csv have no text. The attribute " +
	"is the product category."

// bestBuyTimeLayout is the clock format of both time columns; fractional seconds of any length
// (or none) are accepted when parsing.
const bestBuyTimeLayout = "2006-01-02 15:04:05"

type click struct {
	user      string
	sku       string
	category  string
	query     string
	clickTime time.Time
	queryTime time.Time
	row       int // position over both files, the last tie-breaker
	train     bool
}

// BestBuy converts the Best Buy search-click files in dir: train.csv and test.csv, with the
// columns user,sku,category,query,click_time,query_time. Every row becomes a search event of its
// user; items are the SKUs in numeric order with ID the SKU; users are in ID order. See the
// Dataset.Note for how item text avoids leaking test queries.
func BestBuy(dir string) (*data.Dataset, error) {
	var clicks []click
	for _, file := range []string{"train.csv", "test.csv"} {
		var err error
		if clicks, err = readClicks(filepath.Join(dir, file), file == "train.csv", clicks); err != nil {
			return nil, err
		}
	}
	if len(clicks) == 0 {
		return nil, errors.New("convert: bestbuy: no rows")
	}
	d := &data.Dataset{Name: "bestbuy", Note: bestBuyNote}
	index, err := bestBuyItems(d, clicks)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(clicks, func(a, b click) int {
		return cmp.Or(strings.Compare(a.user, b.user), a.clickTime.Compare(b.clickTime),
			a.queryTime.Compare(b.queryTime), cmp.Compare(a.row, b.row))
	})
	for i := 0; i < len(clicks); {
		j := i
		for j < len(clicks) && clicks[j].user == clicks[i].user {
			j++
		}
		events := make([]data.Event, j-i)
		for k := range events {
			c := &clicks[i+k]
			events[k] = data.Event{Time: c.clickTime.Unix(), Kind: data.Search, Query: c.query, Item: index[c.sku]}
		}
		d.Users = append(d.Users, data.User{ID: clicks[i].user, Events: events})
		i = j
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("convert: bestbuy: %w", err)
	}
	return d, nil
}

// readClicks appends the rows of one CSV file to clicks.
func readClicks(path string, train bool, clicks []click) ([]click, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 6
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("convert: %s: header: %w", path, err)
	}
	if want := "user,sku,category,query,click_time,query_time"; strings.Join(header, ",") != want {
		return nil, fmt.Errorf("convert: %s: header %q, want %q", path, strings.Join(header, ","), want)
	}
	queries := make(map[string]string) // shares equal query strings
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return clicks, nil
		}
		if err != nil {
			return nil, fmt.Errorf("convert: %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		c, err := parseClick(rec)
		if err != nil {
			return nil, fmt.Errorf("convert: %s:%d: %w", path, line, err)
		}
		if q, ok := queries[c.query]; ok {
			c.query = q
		} else {
			queries[c.query] = c.query
		}
		c.row, c.train = len(clicks), train
		clicks = append(clicks, c)
	}
}

func parseClick(rec []string) (click, error) {
	c := click{
		user:     strings.TrimSpace(rec[0]),
		sku:      strings.TrimSpace(rec[1]),
		category: strings.TrimSpace(rec[2]),
		query:    strings.Join(strings.Fields(rec[3]), " "),
	}
	if c.user == "" {
		return click{}, errors.New("empty user")
	}
	if _, err := strconv.ParseUint(c.sku, 10, 64); err != nil {
		return click{}, fmt.Errorf("sku %q is not a number", c.sku)
	}
	var err error
	if c.clickTime, err = parseBestBuyTime(rec[4]); err != nil {
		return click{}, fmt.Errorf("click_time: %w", err)
	}
	if c.queryTime, err = parseBestBuyTime(rec[5]); err != nil {
		return click{}, fmt.Errorf("query_time: %w", err)
	}
	return c, nil
}

// parseBestBuyTime reads "2011-10-23 17:55:08.626" (fractional seconds of any length, or none;
// a 'T' instead of the space is accepted too).
func parseBestBuyTime(s string) (time.Time, error) {
	s = strings.Replace(strings.TrimSpace(s), "T", " ", 1)
	t, err := time.ParseInLocation(bestBuyTimeLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want YYYY-MM-DD hh:mm:ss[.fff]", s)
	}
	return t, nil
}

// bestBuyItems fills d.Items with the SKUs in numeric order and returns each SKU's index.
func bestBuyItems(d *data.Dataset, clicks []click) (map[string]int32, error) {
	type product struct {
		sku      string
		category string
		queries  map[string]int // normalised training query → clicks
	}
	products := make(map[string]*product)
	for i := range clicks {
		c := &clicks[i]
		p := products[c.sku]
		if p == nil {
			p = &product{sku: c.sku, category: c.category, queries: make(map[string]int)}
			products[c.sku] = p
		}
		if p.category != c.category {
			return nil, fmt.Errorf("convert: bestbuy: sku %s in categories %q and %q", c.sku, p.category, c.category)
		}
		if q := strings.ToLower(c.query); c.train && q != "" {
			p.queries[q]++
		}
	}
	skus := make([]*product, 0, len(products))
	for _, p := range products {
		skus = append(skus, p)
	}
	numeric := func(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }
	slices.SortFunc(skus, func(a, b *product) int {
		return cmp.Or(cmp.Compare(numeric(a.sku), numeric(b.sku)), strings.Compare(a.sku, b.sku))
	})
	index := make(map[string]int32, len(skus))
	d.Items = make([]data.Item, len(skus))
	for i, p := range skus {
		index[p.sku] = int32(i)
		d.Items[i] = data.Item{ID: p.sku, Text: queryText(p.queries)}
		if p.category != "" {
			d.Items[i].Attrs = []data.Attr{{Field: "category", Value: p.category}}
		}
	}
	return index, nil
}

// queryText joins up to maxTextQueries distinct queries, most clicked first (ties in byte order).
func queryText(counts map[string]int) string {
	queries := make([]string, 0, len(counts))
	for q := range counts {
		queries = append(queries, q)
	}
	slices.SortFunc(queries, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	return strings.Join(queries[:min(len(queries), maxTextQueries)], "; ")
}
