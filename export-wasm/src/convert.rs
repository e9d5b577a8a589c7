//! Arrow IPC file → Parquet file, in memory.
//!
//! Every record batch of the IPC file is written, in order, to one Parquet
//! file with the same Arrow schema (embedded as Parquet's `ARROW:schema`
//! metadata, so types such as `Timestamp(µs, "UTC")` read back exactly).
//! Pages are uncompressed: the crate links no codec (see the crate docs).
//! Malformed input is an `Err` with a sentence saying which step failed.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::{FileDecoder, read_footer_length};
use arrow_ipc::{Block, Footer};
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::ipc_checks::{check_message, check_schema};

/// The `created_by` string written into the Parquet footer.
pub const CREATED_BY: &str = concat!("glint export-wasm ", env!("CARGO_PKG_VERSION"));

/// `ARROW1` and two bytes of padding open an IPC file.
const LEADING_MAGIC_LEN: usize = 8;
/// The footer's length (4 bytes) and `ARROW1` close an IPC file.
const TRAILER_LEN: usize = 10;

/// Converts an Arrow IPC file (`ARROW1` magic, footer; not the IPC *stream*
/// format) into the bytes of a Parquet file with the same schema and rows.
///
/// ```
/// # use std::sync::Arc;
/// # use arrow_array::{ArrayRef, Int64Array, RecordBatch};
/// let batch = RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef)]).unwrap();
/// let mut ipc = Vec::new();
/// let mut w = arrow_ipc::writer::FileWriter::try_new(&mut ipc, &batch.schema()).unwrap();
/// w.write(&batch).unwrap();
/// w.finish().unwrap();
/// drop(w);
/// let parquet = export_wasm::ipc_file_to_parquet(&ipc).unwrap();
/// assert_eq!(&parquet[..4], b"PAR1");
/// assert!(export_wasm::ipc_file_to_parquet(b"not arrow").is_err());
/// ```
pub fn ipc_file_to_parquet(ipc: &[u8]) -> Result<Vec<u8>, String> {
    let file = IpcFile::open(ipc)?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::UNCOMPRESSED)
        .set_created_by(CREATED_BY.into())
        .build();
    let mut writer =
        ArrowWriter::try_new(Vec::new(), file.decoder_schema.clone(), Some(properties))
            .map_err(|e| format!("this result's schema cannot be written as Parquet: {e}"))?;
    file.for_each_batch(|index, batch| {
        writer
            .write(&batch)
            .map_err(|e| format!("cannot write record batch {index} as Parquet: {e}"))
    })?;
    writer
        .into_inner()
        .map_err(|e| format!("cannot finish the Parquet file: {e}"))
}

/// An IPC file whose footer has been read and whose blocks lie inside it.
///
/// `arrow_ipc::reader::FileReader` trusts the footer's offsets and lengths
/// (a damaged footer makes it allocate gigabytes or index out of bounds and
/// abort), so this reads the footer itself, checks every block against the
/// input and every message with [`crate::ipc_checks`], and hands only
/// checked slices to arrow-ipc's [`FileDecoder`].
struct IpcFile<'a> {
    ipc: &'a [u8],
    footer: Footer<'a>,
    /// End of the message area = start of the footer.
    footer_start: usize,
    decoder_schema: SchemaRef,
    decoder: FileDecoder,
}

impl<'a> IpcFile<'a> {
    fn open(ipc: &'a [u8]) -> Result<Self, String> {
        let not_a_file = |why: &str| {
            format!(
                "the input is not a readable Arrow IPC file ({} bytes): {why}",
                ipc.len()
            )
        };
        if !ipc.starts_with(b"ARROW1") {
            let why = if ipc.starts_with(&[0xff; 4]) {
                "it looks like an Arrow IPC stream; the IPC file format is expected"
            } else {
                "it does not start with the ARROW1 magic"
            };
            return Err(not_a_file(why));
        }
        if ipc.len() < LEADING_MAGIC_LEN + TRAILER_LEN {
            return Err(not_a_file("it is too short to hold a footer"));
        }
        let trailer_start = ipc.len() - TRAILER_LEN;
        let mut trailer = [0; TRAILER_LEN];
        trailer.copy_from_slice(&ipc[trailer_start..]);
        let footer_len = read_footer_length(trailer).map_err(|e| not_a_file(&e.to_string()))?;
        let footer_start = trailer_start
            .checked_sub(footer_len)
            .filter(|start| *start >= LEADING_MAGIC_LEN)
            .ok_or_else(|| {
                not_a_file(&format!("its footer length {footer_len} exceeds the file"))
            })?;
        let footer = arrow_ipc::root_as_footer(&ipc[footer_start..trailer_start])
            .map_err(|e| not_a_file(&format!("its footer is damaged: {e}")))?;
        let ipc_schema = footer
            .schema()
            .ok_or_else(|| not_a_file("its footer has no schema"))?;
        check_schema(&ipc_schema)
            .map_err(|why| not_a_file(&format!("its schema is unusable: {why}")))?;
        if footer.recordBatches().is_none() {
            return Err(not_a_file("its footer has no record batch list"));
        }
        let schema: SchemaRef = Arc::new(arrow_ipc::convert::fb_to_schema(ipc_schema));
        let decoder = FileDecoder::new(schema.clone(), footer.version());
        let mut file = IpcFile {
            ipc,
            footer,
            footer_start,
            decoder_schema: schema,
            decoder,
        };
        for (index, block) in file.footer.dictionaries().iter().flatten().enumerate() {
            let data = file
                .block(block)
                .map_err(|why| not_a_file(&format!("dictionary {index}: {why}")))?;
            file.decoder
                .read_dictionary(block, &data)
                .map_err(|e| not_a_file(&format!("dictionary {index} is unreadable: {e}")))?;
        }
        Ok(file)
    }

    /// Calls `write` with each record batch, in file order.
    fn for_each_batch(
        &self,
        mut write: impl FnMut(usize, RecordBatch) -> Result<(), String>,
    ) -> Result<(), String> {
        for (index, block) in self.footer.recordBatches().iter().flatten().enumerate() {
            let unreadable = |why: String| {
                format!("record batch {index} of the Arrow IPC file is unreadable: {why}")
            };
            let data = self.block(block).map_err(unreadable)?;
            let batch = self
                .decoder
                .read_record_batch(block, &data)
                .map_err(|e| unreadable(e.to_string()))?;
            if let Some(batch) = batch {
                write(index, batch)?;
            }
        }
        Ok(())
    }

    /// The bytes of one block (message metadata + body), copied into an
    /// aligned buffer, if the block lies inside the message area.
    fn block(&self, block: &Block) -> Result<Buffer, String> {
        let bounds = (|| {
            let start = usize::try_from(block.offset()).ok()?;
            let metadata = usize::try_from(block.metaDataLength()).ok()?;
            let body = usize::try_from(block.bodyLength()).ok()?;
            // A message starts with its length prefix (4 or 8 bytes).
            if metadata < 8 {
                return None;
            }
            let end = start.checked_add(metadata)?.checked_add(body)?;
            (start >= LEADING_MAGIC_LEN && end <= self.footer_start).then_some(start..end)
        })();
        let range = bounds.ok_or_else(|| {
            format!(
                "its block (offset {}, metadata {} bytes, body {} bytes) lies outside the file's {} bytes of messages",
                block.offset(),
                block.metaDataLength(),
                block.bodyLength(),
                self.footer_start
            )
        })?;
        let data = &self.ipc[range];
        check_message(data, metadata_len(block), &self.decoder_schema)?;
        Ok(Buffer::from(data))
    }
}

fn metadata_len(block: &Block) -> usize {
    // Checked non-negative by `IpcFile::block` before this is called.
    usize::try_from(block.metaDataLength()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array, ListArray,
        StringArray, StructArray, TimestampMicrosecondArray,
    };
    use arrow_ipc::writer::{FileWriter, StreamWriter};
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    use bytes::Bytes;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::reader::{FileReader as _, SerializedFileReader};

    use super::*;
    use arrow_array::RecordBatchReader as _;
    use arrow_array::types::Int32Type;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("event", DataType::Utf8, true),
            Field::new("user_id", DataType::Int64, true),
            Field::new("revenue", DataType::Float64, true),
            Field::new("converted", DataType::Boolean, true),
            Field::new(
                "ts",
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                true,
            ),
            Field::new("count", DataType::Int64, false),
        ]))
    }

    fn batch(schema: &SchemaRef, offset: i64) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![
                Some("page"),
                None,
                Some(""),
                Some("päge ✓"),
            ])),
            Arc::new(Int64Array::from(vec![
                Some(offset),
                Some(i64::MIN),
                None,
                Some(i64::MAX),
            ])),
            Arc::new(Float64Array::from(vec![
                Some(1.5),
                None,
                Some(-0.0),
                Some(f64::INFINITY),
            ])),
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                Some(true),
            ])),
            Arc::new(
                TimestampMicrosecondArray::from(vec![
                    Some(1_700_000_000_000_000 + offset),
                    None,
                    Some(0),
                    Some(-1),
                ])
                .with_timezone("UTC"),
            ),
            Arc::new(Int64Array::from(vec![1, 2, 3, offset])),
        ];
        RecordBatch::try_new(schema.clone(), columns).unwrap()
    }

    fn ipc_file(schema: &SchemaRef, batches: &[RecordBatch]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer = FileWriter::try_new(&mut out, schema).unwrap();
        for b in batches {
            writer.write(b).unwrap();
        }
        writer.finish().unwrap();
        drop(writer);
        out
    }

    fn read_parquet(bytes: Vec<u8>) -> (SchemaRef, Vec<RecordBatch>) {
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes))
            .unwrap()
            .with_batch_size(1 << 20)
            .build()
            .unwrap();
        let schema = reader.schema();
        (schema, reader.map(Result::unwrap).collect())
    }

    #[test]
    fn round_trip_keeps_schema_rows_and_nulls() {
        let schema = schema();
        let batches = [batch(&schema, 7), batch(&schema, 8), batch(&schema, 9)];
        let parquet = ipc_file_to_parquet(&ipc_file(&schema, &batches)).unwrap();
        assert_eq!(&parquet[..4], b"PAR1");
        assert_eq!(&parquet[parquet.len() - 4..], b"PAR1");

        let (read_schema, read) = read_parquet(parquet);
        assert_eq!(read_schema.fields(), schema.fields());
        let expected = arrow_select::concat::concat_batches(&schema, &batches).unwrap();
        let got = arrow_select::concat::concat_batches(&read_schema, &read).unwrap();
        assert_eq!(got.num_rows(), 12);
        assert_eq!(got.columns(), expected.columns());
    }

    /// Dictionary, list, struct and date columns (what DataFusion may return
    /// besides flat scalars) survive too.
    fn nested_batch() -> RecordBatch {
        let dict: DictionaryArray<Int32Type> = vec![Some("a"), None, Some("b"), Some("a")]
            .into_iter()
            .collect();
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), None]),
            None,
            Some(vec![]),
            Some(vec![Some(4)]),
        ]);
        let point = StructArray::from(vec![(
            Arc::new(Field::new("x", DataType::Float64, true)),
            Arc::new(Float64Array::from(vec![
                Some(1.0),
                None,
                Some(3.0),
                Some(4.0),
            ])) as ArrayRef,
        )]);
        RecordBatch::try_from_iter([
            ("dict", Arc::new(dict) as ArrayRef),
            ("list", Arc::new(list) as ArrayRef),
            ("point", Arc::new(point) as ArrayRef),
            (
                "day",
                Arc::new(Date32Array::from(vec![
                    Some(0),
                    None,
                    Some(19_000),
                    Some(-1),
                ])) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    #[test]
    fn round_trip_nested_and_dictionary_columns() {
        let batch = nested_batch();
        let parquet =
            ipc_file_to_parquet(&ipc_file(&batch.schema(), &[batch.clone(), batch.clone()]))
                .unwrap();
        let (read_schema, read) = read_parquet(parquet);
        assert_eq!(read_schema.fields(), batch.schema().fields());
        let got = arrow_select::concat::concat_batches(&read_schema, &read).unwrap();
        let expected =
            arrow_select::concat::concat_batches(&batch.schema(), &[batch.clone(), batch]).unwrap();
        assert_eq!(got.columns(), expected.columns());
    }

    #[test]
    fn pages_are_uncompressed_and_footer_names_glint() {
        let schema = schema();
        let parquet = ipc_file_to_parquet(&ipc_file(&schema, &[batch(&schema, 1)])).unwrap();
        let file = SerializedFileReader::new(Bytes::from(parquet)).unwrap();
        let meta = file.metadata();
        assert_eq!(meta.file_metadata().created_by(), Some(CREATED_BY));
        for column in meta.row_group(0).columns() {
            assert_eq!(column.compression(), Compression::UNCOMPRESSED);
        }
    }

    #[test]
    fn no_batches_gives_an_empty_file_with_the_schema() {
        let schema = schema();
        let (read_schema, read) =
            read_parquet(ipc_file_to_parquet(&ipc_file(&schema, &[])).unwrap());
        assert_eq!(read_schema.fields(), schema.fields());
        assert_eq!(read.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
    }

    #[test]
    fn garbage_is_an_error() {
        for input in [
            &b""[..],
            b"PAR1",
            b"ARROW1",
            b"ARROW1\0\0garbage garbage garbage ARROW1",
            &[0xff; 64],
        ] {
            let err = ipc_file_to_parquet(input).unwrap_err();
            assert!(
                err.starts_with("the input is not a readable Arrow IPC file"),
                "{err}"
            );
            assert!(!err.contains("panicked"), "{err}");
        }
    }

    #[test]
    fn an_ipc_stream_is_not_a_file() {
        let schema = schema();
        let mut stream = Vec::new();
        let mut writer = StreamWriter::try_new(&mut stream, &schema).unwrap();
        writer.write(&batch(&schema, 1)).unwrap();
        writer.finish().unwrap();
        drop(writer);
        assert!(ipc_file_to_parquet(&stream).is_err());
    }

    /// Every truncation and every single-byte corruption of a real IPC file
    /// gives a result (`Ok` or `Err`), never a panic.
    #[test]
    fn damaged_files_never_panic() {
        let schema = schema();
        let nested = nested_batch();
        let mut panics = Vec::new();
        let mut check = |what: String, input: &[u8]| {
            if std::panic::catch_unwind(|| ipc_file_to_parquet(input)).is_err() {
                panics.push(what);
            }
        };
        for good in [
            ipc_file(&schema, &[batch(&schema, 1), batch(&schema, 2)]),
            ipc_file(&nested.schema(), &[nested]),
        ] {
            for len in 0..good.len() {
                check(format!("truncated to {len}"), &good[..len]);
            }
            for at in 0..good.len() {
                for flip in [0xff_u8, 0x01, 0x80] {
                    let mut bad = good.clone();
                    bad[at] ^= flip;
                    check(format!("byte {at} ^ {flip:#04x}"), &bad);
                }
            }
        }
        assert!(
            panics.is_empty(),
            "{} panics, first: {:?}",
            panics.len(),
            &panics[..panics.len().min(10)]
        );
    }
}
