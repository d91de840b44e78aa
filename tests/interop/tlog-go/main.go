// SPDX-License-Identifier: Apache-2.0

// Command tlog-go is an independent client of provd's C2SP tlog-tiles read API, written on
// golang.org/x/mod/sumdb/tlog and golang.org/x/mod/sumdb/note (Debian's
// golang-golang-x-mod-dev), so that the hashing, proof and tile-authentication code is Go's,
// not provd's. It fetches the checkpoint, verifies its signature, reads hashes through
// tlog.TileHashReader over a tlog.TileReader that maps Go's sumdb tile paths to C2SP paths,
// proves and checks the inclusion of the given entries (leaf hashes from the entry bundles) and
// the consistency of an older checkpoint with the current one, and rebuilds the root from the
// tiles on its own with tlog.TreeHash. It prints one JSON object and exits 1 on any mismatch,
// 2 on a usage or fetch error.
//
// TileHashReader does not authenticate every tile in x/mod 0.7.0: its check of full tiles
// against their parents starts at index len(stx) of the tile list, the number of the tree
// hash's subtrees, not the number of distinct tiles holding them, so when two subtrees share a
// tile the next tile (e.g. tile/0/000 of a tree of size 530) is returned unchecked. Every hash
// used here ends in tlog.CheckRecord or tlog.CheckTree against the signed root, so a tampered
// tile still fails (tests/blackbox/tiles-go.test.mjs flips one byte of it).
//
// Build (GOPATH mode, offline):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlog-go tests/interop/tlog-go/main.go
//
// Usage:
//
//	tlog-go -url http://host:port/log/ -vkey VKEY [-index 0,7,299] [-old FILE] [-save FILE]
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is C2SP's fixed tile height: 2^8 = 256 hashes or entries per full tile.
const tileHeight = 8

// maxFetch bounds one response (a full tile is 8,192 bytes; a full entry bundle is 256 entries
// of at most 64 KiB each).
const maxFetch = 256*(2+65535) + 1

// checkpoint is a verified C2SP checkpoint.
type checkpoint struct {
	origin string
	tree   tlog.Tree
	raw    []byte // the signed note, as fetched
}

type fetcher struct {
	base   string // ends with "/"
	client *http.Client
	mu     sync.Mutex
	cache  map[string][]byte // unauthenticated bytes, by C2SP path; only for this run
}

func (f *fetcher) get(path string) ([]byte, error) {
	f.mu.Lock()
	if b, ok := f.cache[path]; ok {
		f.mu.Unlock()
		return b, nil
	}
	f.mu.Unlock()
	resp, err := f.client.Get(f.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
	}
	if len(body) >= maxFetch {
		return nil, fmt.Errorf("GET %s: response too large", path)
	}
	f.mu.Lock()
	f.cache[path] = body
	f.mu.Unlock()
	return body, nil
}

// c2spPath maps a Go sumdb tile to its C2SP tlog-tiles path. Go writes
// tile/<H>/<L>/<N>[.p/<W>] with the height in the path and "data" for record tiles; C2SP has a
// fixed height of 8 and omits it (tile/<L>/<N>[.p/<W>]), and calls record tiles entry bundles
// (tile/entries/<N>[.p/<W>]). N's x001/x234/067 encoding is the same in both.
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != tileHeight {
		return "", fmt.Errorf("tile of height %d: C2SP tiles have height %d", t.H, tileHeight)
	}
	p := t.Path() // "tile/8/<L or data>/<N>[.p/<W>]"
	rest := strings.TrimPrefix(p, "tile/8/")
	if rest == p {
		return "", fmt.Errorf("unexpected Go tile path %q", p)
	}
	if strings.HasPrefix(rest, "data/") {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest, nil
}

// tileReader implements tlog.TileReader over C2SP paths.
type tileReader struct{ f *fetcher }

func (r tileReader) Height() int { return tileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		p, err := c2spPath(t)
		if err != nil {
			return nil, err
		}
		b, err := r.f.get(p)
		if err != nil {
			return nil, err
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", p, len(b), t.W*tlog.HashSize)
		}
		out[i] = b
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

// rawHashReader reads stored hashes straight from the tiles of a tree of size n, without the
// authentication tlog.TileHashReader does: tlog.TreeHash over it rebuilds the root from the
// tiles alone, a check independent of the one inside TileHashReader.
func rawHashReader(f *fetcher, n int64) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			t := tlog.TileForIndex(tileHeight, x)
			// The tile as published for size n: full, or the partial of width n's edge.
			width := (n >> uint(t.L*tileHeight)) - t.N<<tileHeight
			if width > 1<<tileHeight {
				width = 1 << tileHeight
			}
			if width < int64(t.W) {
				return nil, fmt.Errorf("hash index %d is not in a tree of size %d", x, n)
			}
			t.W = int(width)
			data, err := tileReader{f}.ReadTiles([]tlog.Tile{t})
			if err != nil {
				return nil, err
			}
			h, err := tlog.HashFromTile(t, data[0], x)
			if err != nil {
				return nil, err
			}
			out[i] = h
		}
		return out, nil
	})
}

// parseCheckpoint opens a signed note with the log's key and parses the C2SP checkpoint body
// (origin, decimal size, base64 root, then optional extension lines).
func parseCheckpoint(raw []byte, v note.Verifier) (*checkpoint, error) {
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return nil, errors.New("checkpoint: fewer than three lines")
	}
	if lines[0] != v.Name() {
		return nil, fmt.Errorf("checkpoint origin %q is not the key's name %q", lines[0], v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || (len(lines[1]) > 1 && lines[1][0] == '0') {
		return nil, fmt.Errorf("checkpoint size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return nil, fmt.Errorf("checkpoint root %q", lines[2])
	}
	c := &checkpoint{origin: lines[0], tree: tlog.Tree{N: size}, raw: raw}
	copy(c.tree.Hash[:], root)
	return c, nil
}

// bundleEntry returns entry i of the tree of size n from its entry bundle.
func bundleEntry(f *fetcher, i, n int64) ([]byte, error) {
	t := tlog.Tile{H: tileHeight, L: -1, N: i >> tileHeight, W: 1 << tileHeight}
	if rem := n - t.N<<tileHeight; rem < int64(t.W) {
		t.W = int(rem)
	}
	p, err := c2spPath(t)
	if err != nil {
		return nil, err
	}
	b, err := f.get(p)
	if err != nil {
		return nil, err
	}
	want := int(i - t.N<<tileHeight)
	for k := 0; k < t.W; k++ {
		if len(b) < 2 {
			return nil, fmt.Errorf("%s: truncated at entry %d", p, k)
		}
		l := int(b[0])<<8 | int(b[1])
		if len(b) < 2+l {
			return nil, fmt.Errorf("%s: entry %d overruns the bundle", p, k)
		}
		if k == want {
			return b[2 : 2+l], nil
		}
		b = b[2+l:]
	}
	return nil, fmt.Errorf("%s: no entry %d", p, want)
}

type inclusionResult struct {
	Index    int64  `json:"index"`
	LeafHash string `json:"leaf_hash,omitempty"` // hex
	ProofLen int    `json:"proof_len"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

type consistencyResult struct {
	OldSize  int64  `json:"old_size"`
	OldRoot  string `json:"old_root"` // base64
	ProofLen int    `json:"proof_len"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

type result struct {
	Origin      string             `json:"origin"`
	Size        int64              `json:"size"`
	Root        string             `json:"root"`
	TreeHashOK  bool               `json:"tree_hash_ok"`
	TreeHashErr string             `json:"tree_hash_error,omitempty"`
	Inclusion   []inclusionResult  `json:"inclusion"`
	Consistency *consistencyResult `json:"consistency,omitempty"`
	OK          bool               `json:"ok"`
}

func proveInclusion(f *fetcher, cp *checkpoint, hr tlog.HashReader, i int64) inclusionResult {
	r := inclusionResult{Index: i}
	if i < 0 || i >= cp.tree.N {
		r.Error = fmt.Sprintf("index %d is not below the tree size %d", i, cp.tree.N)
		return r
	}
	entry, err := bundleEntry(f, i, cp.tree.N)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	leaf := tlog.RecordHash(entry)
	r.LeafHash = hex.EncodeToString(leaf[:])
	proof, err := tlog.ProveRecord(cp.tree.N, i, hr)
	if err != nil {
		r.Error = "prove: " + err.Error()
		return r
	}
	r.ProofLen = len(proof)
	if err := tlog.CheckRecord(proof, cp.tree.N, cp.tree.Hash, i, leaf); err != nil {
		r.Error = "check: " + err.Error()
		return r
	}
	r.OK = true
	return r
}

func proveConsistency(old, cp *checkpoint, hr tlog.HashReader) *consistencyResult {
	r := &consistencyResult{OldSize: old.tree.N, OldRoot: old.tree.Hash.String()}
	if old.tree.N > cp.tree.N {
		r.Error = "the old checkpoint is larger than the current one"
		return r
	}
	if old.tree.N == 0 {
		r.OK = old.tree.Hash == tlog.Hash(sha256Empty())
		if !r.OK {
			r.Error = "a size-0 checkpoint whose root is not SHA-256 of nothing"
		}
		return r
	}
	proof, err := tlog.ProveTree(cp.tree.N, old.tree.N, hr)
	if err != nil {
		r.Error = "prove: " + err.Error()
		return r
	}
	r.ProofLen = len(proof)
	if err := tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
		r.Error = "check: " + err.Error()
		return r
	}
	r.OK = true
	return r
}

// checkTreeHash rebuilds the root of cp's tree from the raw tiles with tlog.TreeHash.
func checkTreeHash(f *fetcher, cp *checkpoint) error {
	if cp.tree.N == 0 {
		if cp.tree.Hash != tlog.Hash(sha256Empty()) {
			return errors.New("empty tree whose root is not SHA-256 of nothing")
		}
		return nil
	}
	h, err := tlog.TreeHash(cp.tree.N, rawHashReader(f, cp.tree.N))
	if err != nil {
		return err
	}
	if h != cp.tree.Hash {
		return fmt.Errorf("the tiles give root %v, the checkpoint %v", h, cp.tree.Hash)
	}
	return nil
}

// sha256Empty is the root of the empty tree (RFC 6962: the hash of the empty string).
func sha256Empty() [32]byte { return sha256.Sum256(nil) }

func parseIndexes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if f == "" {
			continue
		}
		i, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad index %q", f)
		}
		out = append(out, i)
	}
	return out, nil
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlog-go: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	base := flag.String("url", "", "base URL of the tiles, e.g. http://127.0.0.1:8080/log/")
	vkey := flag.String("vkey", "", "the log's note verifier key")
	idx := flag.String("index", "", "comma-separated entry indexes to prove included")
	oldFile := flag.String("old", "", "an older signed checkpoint to prove consistent")
	save := flag.String("save", "", "write the fetched checkpoint to this file")
	flag.Parse()
	if *base == "" || *vkey == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if !strings.HasSuffix(*base, "/") {
		*base += "/"
	}
	indexes, err := parseIndexes(*idx)
	if err != nil {
		fail(2, "%v", err)
	}
	v, err := note.NewVerifier(*vkey)
	if err != nil {
		fail(2, "verifier key: %v", err)
	}
	f := &fetcher{base: *base, client: &http.Client{Timeout: 30 * time.Second},
		cache: map[string][]byte{}}
	raw, err := f.get("checkpoint")
	if err != nil {
		fail(2, "%v", err)
	}
	cp, err := parseCheckpoint(raw, v)
	if err != nil {
		fail(1, "%v", err)
	}
	if *save != "" {
		if err := os.WriteFile(*save, raw, 0o644); err != nil {
			fail(2, "%v", err)
		}
	}
	res := result{Origin: cp.origin, Size: cp.tree.N,
		Root: base64.StdEncoding.EncodeToString(cp.tree.Hash[:]), Inclusion: []inclusionResult{}}
	res.OK = true
	if err := checkTreeHash(f, cp); err != nil {
		res.TreeHashErr = err.Error()
		res.OK = false
	} else {
		res.TreeHashOK = true
	}
	hr := tlog.TileHashReader(cp.tree, tileReader{f})
	for _, i := range indexes {
		r := proveInclusion(f, cp, hr, i)
		res.OK = res.OK && r.OK
		res.Inclusion = append(res.Inclusion, r)
	}
	if *oldFile != "" {
		b, err := os.ReadFile(*oldFile)
		if err != nil {
			fail(2, "%v", err)
		}
		old, err := parseCheckpoint(b, v)
		if err != nil {
			fail(1, "old checkpoint: %v", err)
		}
		res.Consistency = proveConsistency(old, cp, hr)
		res.OK = res.OK && res.Consistency.OK
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fail(2, "%v", err)
	}
	os.Stdout.Write(out.Bytes())
	if !res.OK {
		os.Exit(1)
	}
}
