use super::*;
use crate::policy::Policy;
use crate::{Format, Malformation};
use mediascrub_fixtures::audio::{id3_frame, id3_text, id3v2, wav, wav_bext, wav_fmt};
use mediascrub_fixtures::riff::{chunk, list};

fn plan(src: &[u8]) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(Format::Wav, &src, &Policy::default())
}

fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    crate::formats::clean_for_test(Format::Wav, input)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const IXML: &[u8] = b"<?xml version=\"1.0\"?><BWFXML><PROJECT>Harbour job</PROJECT>\
    <NOTE>interview with Jane</NOTE><LOCATION><LOCATION_NAME>Tallinn harbour</LOCATION_NAME>\
    <LOCATION_GPS>59.4370, 24.7536</LOCATION_GPS></LOCATION><FILE_UID>REC-SN-0042-XYZ</FILE_UID></BWFXML>";

fn samples(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 13 % 256) as u8).collect()
}

#[test]
fn keeps_format_and_samples_removes_everything_else() {
    let data = chunk(b"data", &samples(1001));
    let input = wav(&[
        wav_bext(
            "Jane Planted",
            "2024-05-06",
            "07:08:09",
            "A=PCM,F=8000,W=16,M=mono,T=PlantedCam at 59.4370 24.7536\r\n",
        ),
        wav_fmt(),
        list(
            b"LIST",
            b"INFO",
            &[
                chunk(b"IART", b"Jane Planted\0"),
                chunk(b"ISFT", b"Lavf59.27.100\0"),
            ],
        ),
        chunk(b"iXML", IXML),
        chunk(b"fact", &[0x10, 0x20, 0, 0, 0xAA, 0xBB]),
        data.clone(),
        chunk(
            b"id3 ",
            &id3v2(3, 0, &id3_frame(3, b"TCOM", &id3_text("Jane Composer")), 10),
        ),
        chunk(
            b"_PMX",
            b"<x:xmpmeta><rdf:Description dc:creator=\"Jane Xmp\"/></x:xmpmeta>",
        ),
        chunk(b"JUNK", b"PlantedCam serial 0042"),
        chunk(b"zzzz", b"unknown vendor data"),
    ]);
    let (out, inspection) = clean(&input);
    let expected = wav(&[wav_fmt(), chunk(b"fact", &[0x10, 0x20, 0, 0]), data]);
    assert_eq!(out, expected);
    assert!(!contains(&out, b"Jane"));
    let has = |category: Category, field: &str| {
        inspection
            .findings
            .iter()
            .any(|f| f.category == category && f.field.contains(field))
    };
    assert!(has(Category::Identity, "Originator"));
    assert!(has(Category::Device, "Originator reference"));
    assert!(has(Category::Time, "Origination date"));
    assert!(has(Category::Time, "Time reference"));
    assert!(has(Category::Software, "Coding history"));
    assert!(has(Category::Location, "Coordinates in Coding history"));
    assert!(has(Category::Identity, "Artist (IART)"));
    assert!(has(Category::Software, "Software (ISFT)"));
    assert!(has(Category::Location, "LOCATION_GPS"));
    assert!(has(Category::Location, "LOCATION_NAME"));
    assert!(has(Category::Device, "FILE_UID"));
    assert!(has(Category::Identity, "Composer (TCOM)"));
    assert!(has(Category::Identity, "dc:creator"));
    assert!(has(Category::Other, "Padding with data"));
    assert!(has(Category::Other, "Unknown chunk"));
    assert!(has(Category::Other, "Bytes after the known fields"));
}

#[test]
fn format_fields_are_checked() {
    // WAVEFORMATEX with codec data, then slack after it.
    let mut fmt = wav_fmt()[8..].to_vec();
    fmt.extend_from_slice(&4u16.to_le_bytes());
    fmt.extend_from_slice(b"cdefSLACK!");
    let input = wav(&[chunk(b"fmt ", &fmt), chunk(b"data", &samples(10))]);
    let (out, _) = clean(&input);
    assert!(contains(&out, &chunk(b"fmt ", &fmt[..22])));
    assert!(!contains(&out, b"SLACK"));
    // cbSize past the chunk.
    let mut fmt = wav_fmt()[8..].to_vec();
    fmt.extend_from_slice(&40u16.to_le_bytes());
    let err = plan(&wav(&[chunk(b"fmt ", &fmt), chunk(b"data", &[0; 4])])).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // data before fmt, two data chunks, no data.
    assert!(plan(&wav(&[chunk(b"data", &[0; 4]), wav_fmt()])).is_err());
    assert!(plan(&wav(&[
        wav_fmt(),
        chunk(b"data", &[0; 4]),
        chunk(b"data", &[0; 4])
    ]))
    .is_err());
    assert!(plan(&wav(&[wav_fmt()])).is_err());
}

#[test]
fn sizes_past_the_end_and_non_chunks_are_refused() {
    let good = wav(&[wav_fmt(), chunk(b"data", &samples(100))]);
    // The data chunk claims more than the file holds (the RIFF size too).
    let mut long = good.clone();
    let at = long.len() - 104;
    long[at..at + 4].copy_from_slice(&10_000u32.to_le_bytes());
    long[4..8].copy_from_slice(&20_000u32.to_le_bytes());
    let err = plan(&long).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // Only the data chunk claims too much.
    let mut data_only = good.clone();
    data_only[at..at + 4].copy_from_slice(&10_000u32.to_le_bytes());
    let err = plan(&data_only).unwrap_err();
    assert!(
        err.to_string().contains("'data' claims 10000 bytes"),
        "{err}"
    );
    // A data size of zero followed by samples: they are not chunks.
    let mut zero = good.clone();
    zero[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    let err = plan(&zero).unwrap_err();
    assert!(err.to_string().contains("not a chunk id"), "{err}");
    // Bytes after the RIFF are dropped.
    let (out, inspection) = clean(&[good.clone(), b"TRAILING Jane".to_vec()].concat());
    assert_eq!(out, good);
    assert!(inspection.findings.iter().any(|f| f.field == "Trailer"));
    for len in 0..good.len() {
        let _ = plan(&good[..len]);
    }
}

#[test]
fn odd_sized_samples_get_a_zero_pad_byte() {
    let mut input = wav(&[wav_fmt(), chunk(b"data", &samples(7))]);
    let pad = input.len() - 1;
    input[pad] = 0x55;
    let (out, _) = clean(&input);
    assert_eq!(out[out.len() - 1], 0);
    assert_eq!(out.len(), input.len());
}

/// An RF64 file: `ds64` holds the sizes, the `data` size field says so.
fn rf64(extra: &[u8], table: &[u8]) -> Vec<u8> {
    let data = samples(300);
    let fmt = wav_fmt();
    let mut ds64 = Vec::new();
    let ds64_len = 28 + table.len();
    let riff = 4 + 8 + ds64_len + fmt.len() + extra.len() + 8 + data.len();
    ds64.extend_from_slice(&(riff as u64).to_le_bytes());
    ds64.extend_from_slice(&(data.len() as u64).to_le_bytes());
    ds64.extend_from_slice(&150u64.to_le_bytes());
    ds64.extend_from_slice(&((table.len() / 12) as u32).to_le_bytes());
    ds64.extend_from_slice(table);
    let mut out = b"RF64\xFF\xFF\xFF\xFFWAVE".to_vec();
    out.extend_from_slice(&chunk(b"ds64", &ds64));
    out.extend_from_slice(&fmt);
    out.extend_from_slice(extra);
    out.extend_from_slice(b"data\xFF\xFF\xFF\xFF");
    out.extend_from_slice(&data);
    out
}

#[test]
fn rf64_sizes_are_rewritten() {
    let bext = wav_bext("Jane Planted", "2024-05-06", "07:08:09", "");
    let input = rf64(&bext, &[]);
    let (out, inspection) = clean(&input);
    assert_eq!(out, rf64(&[], &[]));
    assert!(inspection.findings.iter().any(|f| f.field == "Originator"));
    // A chunk whose size is in the table.
    let mut big = b"zzzz\xFF\xFF\xFF\xFF".to_vec();
    big.extend_from_slice(b"vendor text here");
    let mut table = b"zzzz".to_vec();
    table.extend_from_slice(&16u64.to_le_bytes());
    let (out, _) = clean(&rf64(&big, &table));
    assert_eq!(out, rf64(&[], &[]));
    // A size in ds64 larger than the file.
    let mut long = rf64(&[], &[]);
    long[20..28].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let err = plan(&long).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    for len in 0..input.len() {
        let _ = plan(&input[..len]);
    }
}
