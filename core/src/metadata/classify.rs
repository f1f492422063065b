//! Name-based classification of metadata fields whose names come from the
//! file (XMP properties, QuickTime keys, Matroska tags, RIFF INFO ids).

use crate::finding::Category;

/// Classify a field by its name. Fail closed: anything not recognised is
/// `Other`, which is still removed.
pub fn category_for_name(name: &str) -> Category {
    let lower = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    // Checked first: these contain words of other categories ("creator").
    if has(&[
        "creatortool",
        "software",
        "firmware",
        "encoder",
        "muxingapp",
        "writingapp",
    ]) {
        return Category::Software;
    }
    if has(&[
        "gps",
        "latitude",
        "longitude",
        "altitude",
        "location",
        "coordinates",
        "city",
        "country",
        "province",
        "state",
        "sublocation",
        "address",
        "iso6709",
        "place",
        "geo",
    ]) {
        Category::Location
    } else if has(&[
        "serial",
        "make",
        "model",
        "lens",
        "uniqueid",
        "documentid",
        "instanceid",
        "deviceid",
        "cameraid",
        "bodyid",
        "contentidentifier",
        "mediagroupuuid",
        "uuid",
        "device",
    ]) {
        Category::Device
    } else if has(&["date", "time", "when", "year"]) {
        Category::Time
    } else if has(&[
        "creator",
        "author",
        "artist",
        "owner",
        "rights",
        "copyright",
        "credit",
        "contact",
        "email",
        "phone",
        "person",
        "by-line",
        "byline",
        "writer",
        "publisher",
        "user",
        "name",
        "producer",
        "director",
        "performer",
        "composer",
    ]) {
        Category::Identity
    } else if has(&[
        "software", "tool", "firmware", "encoder", "encoded", "app", "history", "computer",
        "version", "agent",
    ]) {
        Category::Software
    } else if has(&[
        "thumbnail",
        "preview",
        "motionphoto",
        "microvideo",
        "container",
    ]) {
        Category::Embedded
    } else {
        Category::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_names() {
        assert_eq!(category_for_name("exif:GPSLatitude"), Category::Location);
        assert_eq!(category_for_name("aux:SerialNumber"), Category::Device);
        assert_eq!(category_for_name("xmp:CreateDate"), Category::Time);
        assert_eq!(category_for_name("dc:creator"), Category::Identity);
        assert_eq!(category_for_name("xmp:CreatorTool"), Category::Software);
        assert_eq!(category_for_name("crs:Exposure2012"), Category::Other);
    }
}
