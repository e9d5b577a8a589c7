//! Params cells: parsing, typed overrides and rewriting one line.

use expect_test::{Expect, expect};
use glint_notebook::{Notebook, ParamValue, parse_params, set_param};

fn check(body: &str, expect: Expect) {
    let actual = match parse_params(body) {
        Ok(params) => params
            .iter()
            .map(|p| format!("{} = {:?} (line {}) json={}\n", p.name, p.value, p.line, p.value.to_json()))
            .collect(),
        Err(e) => format!("error: {e}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn parse() {
    check(
        "variant = \"B\"\nmin_revenue = 10\n",
        expect![[r#"
        variant = Text("B") (line 1) json="B"
        min_revenue = Int(10) (line 2) json=10
    "#]],
    );
    check(
        "# comment\n\n  ratio=0.5  \r\npaid = true\noff = false\nbig = 1e3\nneg = -7\nesc = \"a\\\"b\\u00e9\"",
        expect![[r#"
        ratio = Float(0.5) (line 3) json=0.5
        paid = Bool(true) (line 4) json=true
        off = Bool(false) (line 5) json=false
        big = Float(1000.0) (line 6) json=1000.0
        neg = Int(-7) (line 7) json=-7
        esc = Text("a\"bé") (line 8) json="a\"bé"
    "#]],
    );
    check("", expect![[""]]);
    check(
        "x = 1\nx = 2",
        expect![[r#"
        error: line 2: parameter `x` is defined twice (first on line 1)
    "#]],
    );
    check(
        "x 1",
        expect![[r#"
        error: line 1: expected `name = value`
    "#]],
    );
    check(
        "1x = 1",
        expect![[r#"
        error: line 1: invalid parameter name `1x`: use ASCII letters, digits and `_`, not starting with a digit
    "#]],
    );
    check(
        "x =",
        expect![[r#"
        error: line 1: parameter `x` has no value
    "#]],
    );
    check(
        "x = 'single'",
        expect![[r#"
        error: line 1: the value of `x` must be a number, a "double-quoted string", true or false
    "#]],
    );
    check(
        "x = null",
        expect![[r#"
        error: line 1: the value of `x` must be a number, a "double-quoted string", true or false
    "#]],
    );
    check(
        "x = [1]",
        expect![[r#"
        error: line 1: the value of `x` must be a number, a "double-quoted string", true or false
    "#]],
    );
    check(
        "x = 10 # note",
        expect![[r#"
        error: line 1: the value of `x` must be a number, a "double-quoted string", true or false
    "#]],
    );
}

fn check_like(value: ParamValue, text: &str, expect: Expect) {
    let actual = match value.parse_like("min_revenue", text) {
        Ok(v) => format!("{v:?} literal={} sql={} display={v}\n", v.to_literal(), v.to_sql_literal()),
        Err(e) => format!("error: {e}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn parse_like() {
    check_like(
        ParamValue::Int(10),
        " 25 ",
        expect![[r#"
        Int(25) literal=25 sql=25 display=25
    "#]],
    );
    check_like(
        ParamValue::Int(10),
        "abc",
        expect![[r#"
        error: parameter `min_revenue` is a whole number; "abc" is not a whole number
    "#]],
    );
    check_like(
        ParamValue::Int(10),
        "2.5",
        expect![[r#"
        error: parameter `min_revenue` is a whole number; "2.5" is not a whole number
    "#]],
    );
    check_like(
        ParamValue::Float(0.5),
        "3",
        expect![[r#"
        Float(3.0) literal=3.0 sql=3.0 display=3.0
    "#]],
    );
    check_like(
        ParamValue::Float(0.5),
        "inf",
        expect![[r#"
        error: parameter `min_revenue` is a number; "inf" is not a number
    "#]],
    );
    check_like(
        ParamValue::Float(0.5),
        "abc",
        expect![[r#"
        error: parameter `min_revenue` is a number; "abc" is not a number
    "#]],
    );
    check_like(
        ParamValue::Text("B".into()),
        "it's \"A\"",
        expect![[r#"
        Text("it's \"A\"") literal="it's \"A\"" sql='it''s "A"' display=it's "A"
    "#]],
    );
    check_like(
        ParamValue::Bool(true),
        "FALSE",
        expect![[r#"
        Bool(false) literal=false sql=FALSE display=false
    "#]],
    );
    check_like(
        ParamValue::Bool(true),
        "yes",
        expect![[r#"
        error: parameter `min_revenue` is true or false; "yes" is neither
    "#]],
    );
}

fn check_set(body: &str, name: &str, value: ParamValue, expect: Expect) {
    let out = set_param(body, name, &value);
    parse_params(&out).expect("rewritten body parses");
    expect.assert_eq(&super::show_lines(&out));
}

#[test]
fn set() {
    check_set(
        "# c\nvariant = \"B\"\nmin_revenue   =   10   \n",
        "variant",
        ParamValue::Text("say \"A\"".into()),
        expect![[r##"
        "# c\n"
        "variant = \"say \\\"A\\\"\"\n"
        "min_revenue   =   10   \n"
    "##]],
    );
    check_set(
        "a=1\nb=2",
        "a",
        ParamValue::Int(5),
        expect![[r#"
        "a=5\n"
        "b=2"
    "#]],
    );
    check_set(
        "a = 1\r\nb = 2\r\n",
        "b",
        ParamValue::Float(2.5),
        expect![[r#"
        "a = 1\r\n"
        "b = 2.5\r\n"
    "#]],
    );
    check_set(
        "a = 1",
        "c",
        ParamValue::Bool(true),
        expect![[r#"
        "a = 1\n"
        "c = true"
    "#]],
    );
    check_set(
        "",
        "c",
        ParamValue::Bool(true),
        expect![[r#"
        "c = true"
    "#]],
    );
}

#[test]
fn notebook_params() {
    let mut nb =
        Notebook::parse(&format!("{}\n```params\nlate = 1\nvariant = \"A\"\n```\n", super::SAMPLE)).unwrap();
    let all: Vec<String> =
        nb.params().iter().map(|p| format!("{}={}", p.name, p.value.to_literal())).collect();
    expect![[r#"
        [
            "variant=\"B\"",
            "min_revenue=10",
            "late=1",
        ]
    "#]]
    .assert_debug_eq(&all);
    nb.set_param("min_revenue", &ParamValue::Int(50)).unwrap();
    assert!(nb.to_text().contains("min_revenue = 50\n"));
    assert_eq!(
        nb.set_param("nope", &ParamValue::Int(1)).unwrap_err().to_string(),
        "no params cell defines `nope`"
    );
    let json = serde_json::to_string(&nb.params()[0].value).unwrap();
    assert_eq!(json, "\"B\"");
}
