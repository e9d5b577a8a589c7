//! Query results as display data ([`TableData`]) and as text (CSV, JSON,
//! aligned table) for the CLI and tests.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use glint_protocol::{ColumnInfo, TableData};
use serde_json::Value;

use crate::error::Result;
use crate::session::QueryOutput;

/// The first `max_rows` rows of a result as JSON scalars.
pub fn to_table_data(out: &QueryOutput, max_rows: usize) -> Result<TableData> {
    let columns = out
        .schema
        .fields()
        .iter()
        .map(|f| ColumnInfo { name: f.name().clone(), data_type: crate::ingest::type_text(f.data_type()) })
        .collect();
    let mut rows = Vec::new();
    let options = FormatOptions::default().with_null("");
    'batches: for batch in &out.batches {
        let cols: Vec<&dyn Array> = batch.columns().iter().map(|c| c.as_ref()).collect();
        let formatters = cols
            .iter()
            .map(|c| ArrayFormatter::try_new(*c, &options))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for r in 0..batch.num_rows() {
            if rows.len() >= max_rows {
                break 'batches;
            }
            rows.push(cols.iter().zip(&formatters).map(|(c, f)| cell(*c, f, r)).collect());
        }
    }
    Ok(TableData { columns, rows, total_rows: out.rows() as u64 })
}

fn cell(array: &dyn Array, f: &ArrayFormatter, r: usize) -> Value {
    if array.is_null(r) {
        return Value::Null;
    }
    macro_rules! int {
        ($t:ty) => {
            Value::from(array.as_primitive::<$t>().value(r))
        };
    }
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_boolean().value(r)),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float32 => float(array.as_primitive::<Float32Type>().value(r) as f64),
        DataType::Float64 => float(array.as_primitive::<Float64Type>().value(r)),
        _ => Value::String(f.value(r).to_string()),
    }
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map(Value::Number).unwrap_or_else(|| Value::String(v.to_string()))
}

/// An aligned text table (as arrow's pretty printer).
pub fn to_pretty(batches: &[RecordBatch]) -> Result<String> {
    Ok(arrow::util::pretty::pretty_format_batches(batches)?.to_string())
}

/// CSV with a header line.
pub fn to_csv(batches: &[RecordBatch]) -> Result<String> {
    let mut buf = Vec::new();
    {
        let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(&mut buf);
        for b in batches {
            w.write(b)?;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A JSON array of row objects.
pub fn to_json(batches: &[RecordBatch]) -> Result<String> {
    let mut w = arrow::json::ArrayWriter::new(Vec::new());
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    w.write_batches(&refs)?;
    w.finish()?;
    let bytes = w.into_inner();
    Ok(if bytes.is_empty() { "[]".to_string() } else { String::from_utf8_lossy(&bytes).into_owned() })
}

/// Rows `offset..offset + limit` of a result (a page of the results table).
pub fn page(out: &QueryOutput, offset: usize, limit: usize) -> Result<TableData> {
    let mut skip = offset;
    let mut batches = Vec::new();
    let mut left = limit;
    for b in &out.batches {
        if left == 0 {
            break;
        }
        if skip >= b.num_rows() {
            skip -= b.num_rows();
            continue;
        }
        let take = (b.num_rows() - skip).min(left);
        batches.push(b.slice(skip, take));
        left -= take;
        skip = 0;
    }
    let window = QueryOutput { schema: out.schema.clone(), batches };
    let mut data = to_table_data(&window, limit)?;
    data.total_rows = out.rows() as u64;
    Ok(data)
}

/// The result as an Arrow IPC stream (what the worker server's job API sends).
pub fn to_arrow_ipc_stream(out: &QueryOutput) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut buf, &out.schema)?;
        for b in &out.batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    Ok(buf)
}

/// A result read back from an Arrow IPC stream ([`to_arrow_ipc_stream`]).
pub fn from_arrow_ipc_stream(bytes: &[u8]) -> Result<QueryOutput> {
    let reader = arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)?;
    let schema = reader.schema();
    let batches = reader.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(QueryOutput { schema, batches })
}

/// The result as an Arrow IPC file (`.arrow`), readable by pandas/polars/DuckDB.
pub fn to_arrow_ipc(out: &QueryOutput) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    {
        let mut w = arrow::ipc::writer::FileWriter::try_new(&mut buf, &out.schema)?;
        for b in &out.batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    Ok(buf)
}
