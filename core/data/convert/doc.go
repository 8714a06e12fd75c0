// Package convert turns the public datasets the project evaluates on into data.Dataset values:
// MovieLens-100K, the small Best Buy search-click set and TikTok micro-video interactions with
// image and audio features (the files and their licences are described in the data README). It
// also reads NumPy .npy arrays, the form the TikTok features come in.
//
// Every converter is deterministic (the same files give the same dataset, byte for byte once
// written), returns a validated dataset, and records in Dataset.Note whatever it had to make up,
// such as queries synthesised from genres or times standing in for missing timestamps. Converters
// read whole files into memory; the datasets are small. This package is for native tools only.
package convert
