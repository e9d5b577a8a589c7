//! Share-link fragments: round trips and every decode error.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use expect_test::{Expect, expect};
use glint_notebook::share::{MAX_FRAGMENT_LEN, ShareError, Shared, decode, encode};

fn shared(notebook: &str, source: Option<&str>, params: &[(&str, &str)]) -> Shared {
    Shared {
        notebook: notebook.to_string(),
        source: source.map(str::to_string),
        params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

#[test]
fn round_trips() {
    let cases = [
        shared("", None, &[]),
        shared(
            super::SAMPLE,
            Some("https://example.com/events.ndjson?x=1&y=2#frag"),
            &[("variant", "A"), ("min_revenue", "25")],
        ),
        shared(
            "# Ünïcødé ✓ 日本語 🎉\r\n",
            Some("sample"),
            &[("q", "a&b#c=d%e+f g"), ("é", ""), ("x", "100%")],
        ),
        shared("```sql\nSELECT '&#=%'\n```", Some(""), &[("", "")]),
        shared(&"x".repeat(100_000), None, &[]),
    ];
    for case in cases {
        let fragment = encode(&case).expect("fits");
        assert!(fragment.len() <= MAX_FRAGMENT_LEN);
        assert!(!fragment.contains('#') && !fragment.contains(' '));
        assert_eq!(decode(&fragment).as_ref(), Ok(&case), "{fragment}");
        assert_eq!(decode(&format!("#{fragment}&unknown=1&zz")).as_ref(), Ok(&case));
    }
}

#[test]
fn format() {
    let f = encode(&shared("hi", Some("a b/c"), &[("p", "x&y")])).unwrap();
    expect!["nb=y8gEAA&src=a%20b%2Fc&p.p=x%26y"].assert_eq(&f);
}

#[test]
fn too_long() {
    // Incompressible text: a simple deterministic generator.
    let mut state = 1u64;
    let text: String = (0..40_000)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            char::from(b'!' + (state >> 33) as u8 % 90)
        })
        .collect();
    let err = encode(&shared(&text, None, &[])).unwrap_err();
    assert!(matches!(err, ShareError::TooLong { max: MAX_FRAGMENT_LEN, .. }));
    expect!["this notebook is too large for a link (99999 characters, the limit is 99999); save the notebook as a file and share the file instead"].assert_eq(&err.to_string().replace(|c: char| c.is_ascii_digit(), "9"));
}

fn check(fragment: &str, expect: Expect) {
    let actual = match decode(fragment) {
        Ok(s) => format!("ok {s:?}"),
        Err(e) => format!("{e:?}: {e}"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn decode_errors() {
    check("", expect!["MissingNotebook: the link has no notebook in it (no `nb=`)"]);
    check("#src=x", expect!["MissingNotebook: the link has no notebook in it (no `nb=`)"]);
    check("nb=***", expect!["BadBase64: the link's notebook is damaged: bad base64"]);
    check(
        &format!("nb={}", URL_SAFE_NO_PAD.encode(b"not deflate at all")),
        expect!["NotDeflate: the link's notebook is damaged: not a deflate stream"],
    );
    let latin1 = miniz_oxide::deflate::compress_to_vec(&[0xE9, 0xFF], 9);
    check(
        &format!("nb={}", URL_SAFE_NO_PAD.encode(latin1)),
        expect!["NotUtf8: the link's notebook is damaged: not UTF-8 text"],
    );
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b'a'; 5 * 1024 * 1024], 9);
    check(
        &format!("nb={}", URL_SAFE_NO_PAD.encode(bomb)),
        expect![
            "TooLarge { limit: 4194304 }: the link's notebook is too large: inflated size over limit (4194304 bytes)"
        ],
    );
    let ok = encode(&shared("x", None, &[])).unwrap();
    check(
        &format!("{ok}&src=%FF"),
        expect![[r#"BadValue { key: "src" }: the link's `src` value is not valid percent-encoded UTF-8"#]],
    );
    check(
        &format!("{ok}&p.%E9=1"),
        expect![[
            r#"BadValue { key: "p.%E9" }: the link's `p.%E9` value is not valid percent-encoded UTF-8"#
        ]],
    );
    check(
        &format!("{ok}&src=%zz%4"),
        expect![[r#"ok Shared { notebook: "x", source: Some("%zz%4"), params: [] }"#]],
    );
    check(
        &format!("{ok}&nb=ignored&src=first&src=second&p.a=1&p.a=2"),
        expect![[r#"ok Shared { notebook: "x", source: Some("first"), params: [("a", "1"), ("a", "2")] }"#]],
    );
}
