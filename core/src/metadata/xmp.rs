//! XMP packets: a tolerant scan for properties and their values.
//!
//! XMP is RDF/XML. We do not need a full XML parser to *describe* a packet
//! (the packet is always removed whole): we collect every qualified property
//! name with its text, from attributes (`exif:GPSLatitude="…"`) and from
//! element content (`<dc:creator><rdf:Seq><rdf:li>…`), and classify them by
//! name.

use crate::finding::{human_size, Category, Finding};
use crate::metadata::classify::category_for_name;

/// Most properties reported one by one; the rest are summarised.
const MAX_REPORTED: usize = 64;
/// At most this many distinct properties are collected from one packet:
/// merging a property is a linear search, so an unbounded number would make
/// a crafted packet quadratic. The packet is removed whole either way.
pub const MAX_PROPERTIES: usize = 1024;
/// A property value is collected up to this many bytes (enough for any
/// preview and leak needle; the packet is removed whole either way).
pub const MAX_VALUE_LEN: usize = 4096;
/// Element nesting followed at most this deep (deeper elements are read as
/// text of the deepest one kept).
pub const MAX_DEPTH: usize = 64;

/// One property found in a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Qualified name, e.g. `exif:GPSLatitude`.
    pub name: String,
    /// Text value (list items joined with `; `).
    pub value: String,
}

/// Extract properties from an XMP packet (tolerant of malformed XML).
pub fn properties(packet: &[u8]) -> Vec<Property> {
    let text = String::from_utf8_lossy(packet);
    let mut props: Vec<Property> = Vec::new();
    // Stack of open element names that are properties (not rdf:/x: wrappers).
    let mut stack: Vec<String> = Vec::new();
    let mut rest: &str = &text;
    while let Some(open) = rest.find('<') {
        let content = rest.get(..open).unwrap_or("");
        add_text(&mut props, &stack, content);
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('>') else { break };
        let tag = after.get(..close).unwrap_or("");
        rest = after.get(close + 1..).unwrap_or("");
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            if let Some(pos) = stack.iter().rposition(|n| n == name) {
                stack.truncate(pos);
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let mut parts = tag.splitn(2, |c: char| c.is_whitespace());
        let name = parts.next().unwrap_or("").to_string();
        let attrs = parts.next().unwrap_or("");
        for (attr, value) in attributes(attrs) {
            if is_property_name(&attr) {
                push(&mut props, attr, value);
            } else if attr == "rdf:resource" {
                if let Some(owner) = stack.last() {
                    push(&mut props, owner.clone(), value);
                }
            }
        }
        if !self_closing && stack.len() < MAX_DEPTH {
            stack.push(name);
        }
    }
    props
}

fn add_text(props: &mut Vec<Property>, stack: &[String], content: &str) {
    let content = content.trim();
    if content.is_empty() {
        return;
    }
    if let Some(owner) = stack.iter().rev().find(|n| is_property_name(n)) {
        push(props, owner.clone(), unescape(content));
    }
}

fn push(props: &mut Vec<Property>, name: String, mut value: String) {
    truncate_to(&mut value, MAX_VALUE_LEN);
    if let Some(existing) = props.iter_mut().find(|p| p.name == name) {
        if existing.value.len() + value.len() > MAX_VALUE_LEN {
            return;
        }
        if !value.is_empty() && !existing.value.split("; ").any(|v| v == value) {
            if !existing.value.is_empty() {
                existing.value.push_str("; ");
            }
            existing.value.push_str(&value);
        }
    } else if props.len() < MAX_PROPERTIES {
        props.push(Property { name, value });
    }
}

/// Cut `s` to at most `max` bytes, on a character boundary.
fn truncate_to(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// Whether a qualified name is a property rather than RDF/XMP scaffolding.
fn is_property_name(name: &str) -> bool {
    let Some((prefix, _)) = name.split_once(':') else {
        return false;
    };
    !matches!(prefix, "rdf" | "x" | "xmlns" | "xml" | "stEvt" | "stRef") || name == "x:xmptk"
}

fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        let Some(eq) = s.find('=') else { break };
        let name = s.get(..eq).unwrap_or("").trim().to_string();
        let after = s.get(eq + 1..).unwrap_or("").trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let body = after.get(1..).unwrap_or("");
        let Some(end) = body.find(quote) else { break };
        out.push((name, unescape(body.get(..end).unwrap_or(""))));
        s = body.get(end + 1..).unwrap_or("");
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Describe an XMP packet as findings, all marked removed.
pub fn describe(packet: &[u8], place: &str) -> Vec<Finding> {
    let props = properties(packet);
    let mut findings = Vec::new();
    let mut others = 0usize;
    for prop in props {
        let category = if prop.name == "x:xmptk" {
            Category::Software
        } else {
            category_for_name(&prop.name)
        };
        if category == Category::Other || findings.len() >= MAX_REPORTED {
            others += 1;
            continue;
        }
        let mut finding = Finding::removed(category, prop.name.clone(), place, &prop.value)
            .with_needle(prop.value.as_bytes());
        for part in prop.value.split("; ") {
            finding = finding.with_needle(part.as_bytes());
        }
        findings.push(finding);
    }
    findings.push(Finding::removed(
        Category::Other,
        "XMP packet",
        place,
        format!(
            "{}, {others} other properties",
            human_size(packet.len() as u64)
        ),
    ));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKET: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 5.5">
 <rdf:RDF><rdf:Description rdf:about="" exif:GPSLatitude="48,51.5N" xmp:CreatorTool="Cam 1.0">
  <dc:creator><rdf:Seq><rdf:li>Jane Doe</rdf:li></rdf:Seq></dc:creator>
  <aux:SerialNumber>SN998877</aux:SerialNumber>
 </rdf:Description></rdf:RDF></x:xmpmeta>"#;

    #[test]
    fn finds_attribute_and_element_properties() {
        let props = properties(PACKET.as_bytes());
        let get = |n: &str| props.iter().find(|p| p.name == n).map(|p| p.value.as_str());
        assert_eq!(get("exif:GPSLatitude"), Some("48,51.5N"));
        assert_eq!(get("dc:creator"), Some("Jane Doe"));
        assert_eq!(get("aux:SerialNumber"), Some("SN998877"));
        assert_eq!(get("x:xmptk"), Some("XMP Core 5.5"));
    }

    #[test]
    fn describes_with_categories() {
        let findings = describe(PACKET.as_bytes(), "APP1/XMP");
        let cat = |n: &str| findings.iter().find(|f| f.field == n).map(|f| f.category);
        assert_eq!(cat("exif:GPSLatitude"), Some(Category::Location));
        assert_eq!(cat("dc:creator"), Some(Category::Identity));
        assert_eq!(cat("aux:SerialNumber"), Some(Category::Device));
    }

    #[test]
    fn crafted_packets_stay_linear_and_bounded() {
        // 50k distinct properties, then 50k values of one property, then
        // nesting 100k deep: each must be collected within the limits, fast.
        let mut packet = String::new();
        for i in 0..50_000 {
            packet.push_str(&format!("<p:a{i}>v</p:a{i}>"));
        }
        for i in 0..50_000 {
            packet.push_str(&format!("<q:same>{i}</q:same>"));
        }
        packet.push_str(&"<d:deep>".repeat(100_000));
        let start = std::time::Instant::now();
        let props = properties(packet.as_bytes());
        assert!(props.len() <= MAX_PROPERTIES);
        assert!(props.iter().all(|p| p.value.len() <= MAX_VALUE_LEN));
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn survives_garbage() {
        let _ = properties(b"<<<>>><a:b c:d='x' e=\"<\" /></a:b><");
        let _ = properties(&[0xff, b'<', 0xfe, b'>']);
    }
}
