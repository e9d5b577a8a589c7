//! SQL reference scanning, dependencies, dependants and diagnostics.

use expect_test::{Expect, expect};
use glint_notebook::{Notebook, sql_references};

fn check_refs(sql: &str, expect: Expect) {
    let r = sql_references(sql);
    expect.assert_eq(&format!("identifiers: {:?}\nparams: {:?}\n", r.identifiers, r.params));
}

#[test]
fn references() {
    check_refs(
        "SELECT event, count(*) AS n FROM By_Event WHERE revenue > $min_revenue",
        expect![[r#"
        identifiers: ["select", "event", "count", "as", "n", "from", "by_event", "where", "revenue"]
        params: ["min_revenue"]
    "#]],
    );
    check_refs(
        "SELECT 'from other; -- not a comment', 'it''s $p' FROM a -- b c\n/* d /* e */ f */ JOIN \"Mixed Case\" ON a.g = \"Mixed Case\".h",
        expect![[r#"
        identifiers: ["select", "from", "a", "join", "Mixed Case", "on"]
        params: []
    "#]],
    );
    check_refs(
        "SELECT 1e5, x1, $1, $p1, $p1, \"a\"\"b\" FROM t",
        expect![[r#"
        identifiers: ["select", "x1", "a\"b", "from", "t"]
        params: ["p1"]
    "#]],
    );
    check_refs(
        "SELECT 'unterminated",
        expect![[r#"
        identifiers: ["select"]
        params: []
    "#]],
    );
    check_refs(
        "SELECT /* unterminated",
        expect![[r#"
        identifiers: ["select"]
        params: []
    "#]],
    );
    check_refs(
        "SELECT \"unterminated",
        expect![[r#"
        identifiers: ["select", "unterminated"]
        params: []
    "#]],
    );
    check_refs(
        "SELECT é, über FROM daten",
        expect![[r#"
        identifiers: ["select", "é", "über", "from", "daten"]
        params: []
    "#]],
    );
}

/// Shows each cell's dependencies and dependants, then the diagnostics.
fn check(text: &str, expect: Expect) {
    let nb = Notebook::parse(text).expect("test input parses");
    let mut out = String::new();
    for i in 0..nb.len() {
        let c = &nb.cells()[i];
        out += &format!(
            "{i} {:?} {}: uses {:?}, rerun {:?}\n",
            c.kind(),
            c.name().unwrap_or("-"),
            nb.dependencies(i),
            nb.dependants(i)
        );
    }
    for d in nb.validate() {
        out += &format!("cell {}: {}\n", d.cell, d.message);
    }
    expect.assert_eq(&out);
}

#[test]
fn sample() {
    check(
        super::SAMPLE,
        expect![[r#"
        0 Markdown -: uses [], rerun []
        1 Params -: uses [], rerun [2, 3]
        2 Sql by_event: uses [1], rerun [3]
        3 Chart -: uses [2], rerun []
    "#]],
    );
}

#[test]
fn transitive() {
    check(
        "```params\np = 1\nq = 2\n```\n```sql name=a\nSELECT 1 AS x\n```\n```sql name=b\nSELECT * FROM a WHERE x > $p\n```\n\
         text\n```sql\nSELECT * FROM \"b\"\n```\n```chart\nkind: line\nx: x\ny: x\n```\n```sql name=c\nSELECT $q\n```\n\
         ```chart\nsource: a\nkind: bar\nx: x\ny: x\n```\n```funnel\nsteps: a\n```\n",
        expect![[r#"
            0 Params -: uses [], rerun [2, 4, 5, 6]
            1 Sql a: uses [], rerun [2, 4, 5, 7]
            2 Sql b: uses [0, 1], rerun [4, 5]
            3 Markdown -: uses [], rerun []
            4 Sql -: uses [2], rerun [5]
            5 Chart -: uses [4], rerun []
            6 Sql c: uses [0], rerun []
            7 Chart -: uses [1], rerun []
            8 Funnel -: uses [], rerun []
        "#]],
    );
}

#[test]
fn diagnostics() {
    check(
        "```sql name=a\nSELECT * FROM later WHERE y = $nope AND z = $late\n```\n```chart\nsource: ghost\nkind: bar\n```\n\
         ```chart\nkind: pie\nsource: later\n```\n```params\nlate = 1\nx = 1\n```\n```params\nx = 2\ny = oops\n```\n\
         ```sql name=later\nSELECT 1\n```\n```chart\nsource: c2\nkind: bar\n```\n```chart name=c2\nsource: later\nkind: bar\n```\n",
        expect![[r#"
            0 Sql a: uses [], rerun []
            1 Chart -: uses [], rerun []
            2 Chart -: uses [], rerun []
            3 Params -: uses [], rerun []
            4 Params -: uses [], rerun []
            5 Sql later: uses [], rerun [7]
            6 Chart -: uses [], rerun []
            7 Chart c2: uses [5], rerun []
            cell 0: `later` is defined below this cell; move it up
            cell 0: unknown parameter `$nope`
            cell 0: parameter `$late` is defined below this cell; move its params cell up
            cell 1: chart source `ghost` is not a cell of this notebook
            cell 2: line 1 of this cell: unknown chart kind `pie`: use bar, line, area, scatter or histogram
            cell 2: `later` is defined below this cell; move it up
            cell 4: line 2 of this cell: the value of `y` must be a number, a "double-quoted string", true or false
            cell 4: parameter `x` is already defined in an earlier params cell
            cell 6: chart source `c2` is not a SQL cell
        "#]],
    );
    check(
        "# only text\n```chart\nkind: bar\n```\n",
        expect![[r#"
        0 Markdown -: uses [], rerun []
        1 Chart -: uses [], rerun []
        cell 1: this chart has no source: add `source: <SQL cell name>` or put it below a SQL cell
    "#]],
    );
}

#[test]
fn out_of_range() {
    let nb = Notebook::parse(super::SAMPLE).unwrap();
    assert!(nb.dependencies(99).is_empty());
    assert!(nb.dependants(99).is_empty());
    assert_eq!(nb.chart_source(1), None);
}

#[test]
fn markdown_hazards() {
    let mut nb = Notebook::parse("# A\n\n```sql\nSELECT 1\n```\n\nB\n").unwrap();
    nb.set_body(0, "# A\n\n```sql\nx\n```\n\n````python\nok\n````").unwrap();
    nb.set_body(2, "B\n```python\nnot closed").unwrap();
    let last_ok = nb.validate();
    nb.set_body(2, "B").unwrap();
    nb.set_body(0, "# A\n```\nnot closed").unwrap();
    let messages: Vec<String> =
        last_ok.iter().chain(&nb.validate()).map(|d| format!("cell {}: {}", d.cell, d.message)).collect();
    expect![[r#"
        [
            "cell 0: this text holds a ```sql block: it becomes a cell of its own when the notebook is opened again",
            "cell 0: this text opens a ``` code block without closing it: the cells below turn into text when the notebook is opened again",
        ]
    "#]].assert_debug_eq(&messages);
}
