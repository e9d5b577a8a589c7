//! Model edits: only the edited cell's bytes change; new cells are canonical.

use super::show_lines;
use expect_test::{Expect, expect};
use glint_notebook::{Cell, ChartKind, ChartSpec, Notebook, NotebookError};

/// Applies `edit` to the parsed `text` and shows the resulting file.
fn check(text: &str, edit: impl FnOnce(&mut Notebook) -> Result<(), NotebookError>, expect: Expect) {
    let mut nb = Notebook::parse(text).expect("test input parses");
    let actual = match edit(&mut nb) {
        Ok(()) => {
            let out = nb.to_text();
            // What the model writes parses again into the same cells.
            let again = Notebook::parse(&out).expect("edited text parses");
            assert_eq!(again.to_text(), out);
            show_lines(&out)
        }
        Err(e) => format!("error: {e}\n"),
    };
    expect.assert_eq(&actual);
}

const TWO: &str =
    "# T  \n\n```sql   name=a   pin=true\nSELECT 1\n```\n\n\n```sql name=b\nSELECT * FROM a\n```";

#[test]
fn set_body() {
    check(
        TWO,
        |nb| nb.set_body(1, "SELECT 2\nFROM events"),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 2\n"
        "FROM events\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_body(1, "SELECT 1"),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_body(2, ""),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_body(0, "# New title\n\nwith *text*"),
        expect![[r##"
        "# New title\n"
        "\n"
        "with *text*\n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_body(1, "SELECT '\n```\n'"),
        expect![[r##"
        "# T  \n"
        "\n"
        "````sql   name=a   pin=true\n"
        "SELECT '\n"
        "```\n"
        "'\n"
        "````\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        "a\r\n\r\n```sql\r\nx\r\n```\r\n",
        |nb| nb.set_body(1, "y\nz"),
        expect![[r#"
        "a\r\n"
        "\r\n"
        "```sql\r\n"
        "y\r\n"
        "z\r\n"
        "```\r\n"
    "#]],
    );
    check(
        TWO,
        |nb| nb.set_body(9, "x"),
        expect![[r#"
        error: no cell 9: the notebook has 3 cells
    "#]],
    );
}

#[test]
fn names_and_attrs() {
    check(
        TWO,
        |nb| nb.rename(1, Some("first")),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=first   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.rename(1, None),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.rename(1, Some("B")),
        expect![[r#"
        error: another cell is already named `B`
    "#]],
    );
    check(
        TWO,
        |nb| nb.rename(1, Some("events")),
        expect![[r#"
        error: `events` is the name of the event table; choose another cell name
    "#]],
    );
    check(
        TWO,
        |nb| nb.rename(1, Some("no way")),
        expect![[r#"
        error: invalid cell name `no way`: use ASCII letters, digits and `_`, not starting with a digit
    "#]],
    );
    check(
        TWO,
        |nb| nb.rename(0, Some("md")),
        expect![[r#"
        error: a Markdown cell has no attributes
    "#]],
    );
    check(
        TWO,
        |nb| nb.set_attr(2, "title", Some("Top \"events\"")),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b title=\"Top \\\"events\\\"\"\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_attr(1, "pin", Some("false")),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=false\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_attr(1, "pin", None),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.set_attr(1, "pin", Some("a`b")),
        expect![[r#"
        error: an attribute value cannot contain ` or a line break
    "#]],
    );
    check(
        "```sql\nSELECT 1\n```\n",
        |nb| nb.rename(0, Some("q")),
        expect![[r#"
        "```sql name=q\n"
        "SELECT 1\n"
        "```\n"
    "#]],
    );
}

#[test]
fn structure() {
    check(
        TWO,
        |nb| nb.insert(3, Cell::new_markdown("The end.")).map(drop),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```\n"
        "\n"
        "The end.\n"
    "##]],
    );
    check(
        TWO,
        |nb| nb.insert(0, Cell::new_params("x = 1")).map(drop),
        expect![[r##"
        "```params\n"
        "x = 1\n"
        "```\n"
        "\n"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.insert(2, Cell::new_sql(None, "SELECT 3")).map(drop),
        expect![[r##"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "```sql\n"
        "SELECT 3\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.insert(1, Cell::new_sql(Some("a"), "SELECT 3")).map(drop),
        expect![[r#"
        error: another cell is already named `a`
    "#]],
    );
    check(
        TWO,
        |nb| nb.insert(1, Cell::new_sql(Some("a`b"), "SELECT 3")).map(drop),
        expect![[r#"
        error: invalid cell name `a`b`: use ASCII letters, digits and `_`, not starting with a digit
    "#]],
    );
    check(
        TWO,
        |nb| nb.insert(7, Cell::new_markdown("x")).map(drop),
        expect![[r#"
        error: cannot insert at 7: the notebook has 3 cells
    "#]],
    );
    check(
        TWO,
        |nb| nb.remove(1).map(drop).ok_or(NotebookError::edit("none")),
        expect![[r##"
        "# T  \n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "##]],
    );
    check(
        TWO,
        |nb| nb.remove(0).map(drop).ok_or(NotebookError::edit("none")),
        expect![[r#"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```"
    "#]],
    );
    check(
        TWO,
        |nb| nb.move_cell(2, 0),
        expect![[r##"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```\n"
        "\n"
        "# T  \n"
        "\n"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
    "##]],
    );
    check(
        TWO,
        |nb| nb.move_cell(0, 2),
        expect![[r##"
        "```sql   name=a   pin=true\n"
        "SELECT 1\n"
        "```\n"
        "\n"
        "\n"
        "```sql name=b\n"
        "SELECT * FROM a\n"
        "```\n"
        "\n"
        "# T  \n"
    "##]],
    );
    check(
        "a\r\n\r\n```sql\r\nx\r\n```\r\n",
        |nb| nb.push(Cell::new_sql(None, "y\nz")).map(drop),
        expect![[r#"
        "a\r\n"
        "\r\n"
        "```sql\r\n"
        "x\r\n"
        "```\r\n"
        "\r\n"
        "```sql\r\n"
        "y\r\n"
        "z\r\n"
        "```\r\n"
    "#]],
    );
    check(
        "",
        |nb| {
            nb.push(Cell::new_markdown("# New"))?;
            nb.push(Cell::new_params("min = 10"))?;
            let name = nb.fresh_name("cell");
            nb.push(Cell::new_sql(Some(&name), "SELECT * FROM events\nWHERE revenue > $min"))?;
            let spec = ChartSpec {
                source: Some(name),
                x: Some("event".into()),
                y: vec!["n".into()],
                ..ChartSpec::new(ChartKind::Bar)
            };
            nb.push(Cell::new_chart(&spec))?;
            nb.push(Cell::new_sql(None, "SELECT '```'\n```"))?;
            Ok(())
        },
        expect![[r##"
        "# New\n"
        "\n"
        "```params\n"
        "min = 10\n"
        "```\n"
        "\n"
        "```sql name=cell_1\n"
        "SELECT * FROM events\n"
        "WHERE revenue > $min\n"
        "```\n"
        "\n"
        "```chart\n"
        "source: cell_1\n"
        "kind: bar\n"
        "x: event\n"
        "y: n\n"
        "```\n"
        "\n"
        "````sql\n"
        "SELECT '```'\n"
        "```\n"
        "````\n"
    "##]],
    );
}

#[test]
fn fresh_names_and_ids() {
    let mut nb = Notebook::parse("```sql name=cell_1\n```\n```sql name=CELL_2\n```\n").unwrap();
    assert_eq!(nb.fresh_name("cell"), "cell_3");
    let ids: Vec<u64> = nb.cells().iter().map(|c| c.id()).collect();
    let new = nb.insert(0, Cell::new_markdown("x")).unwrap();
    assert!(!ids.contains(&new));
    nb.move_cell(0, 2).unwrap();
    assert_eq!(nb.position(new), Some(2));
    assert_eq!(nb.position(ids[0]), Some(0));
    assert_eq!(nb.find("Cell_2"), Some(1));
}
