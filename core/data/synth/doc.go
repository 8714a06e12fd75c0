// Package synth generates datasets of users with planted interests, for speed tests over
// lifelong sequences (10^3 to 10^5 events per user) and for checking that retrieval finds what
// was planted.
//
// The catalogue is split into latent interest clusters. Each cluster has its own vocabulary of
// made-up words, a few favoured brands, a typical price level and, when dense vectors are asked
// for, a centroid the items' vectors scatter around. Each user is given a few interests, which
// drift over the sequence; most events pick a popular-leaning item of a current interest, the rest
// any item. Search events carry a query made of words of the clicked item.
//
// Output depends only on the Config: the generator uses math/rand/v2's PCG seeded from
// Config.Seed and only integer arithmetic and correctly rounded float operations (no math
// library calls, no fusable multiply-adds), so native and wasm builds produce identical datasets.
package synth
