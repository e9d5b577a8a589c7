//! Checks of an IPC file's metadata that arrow-ipc 59 trusts.
//!
//! arrow-ipc's decoder panics (instead of failing) on some damaged metadata:
//! an unknown type code or bit width in the schema, a buffer that lies
//! outside the message body, a validity bitmap shorter than its array, a
//! buffer whose length is not a whole number of values. On wasm32 a panic
//! kills the worker, so these are checked here first and become errors.
//! Layouts this file does not mirror (views, unions, run-end encoded,
//! list views, compressed bodies) are left to arrow-ipc unchecked.

use arrow_ipc::{FieldNode, Message, MessageHeader, RecordBatch as IpcBatch};
use arrow_schema::{DataType, Schema};

/// Deepest type nesting accepted in a schema.
const MAX_DEPTH: usize = 64;

/// Every field's type in the footer's schema is one `fb_to_schema` converts
/// without panicking.
pub fn check_schema(schema: &arrow_ipc::Schema<'_>) -> Result<(), String> {
    let fields = schema.fields().ok_or("the schema has no field list")?;
    if schema.endianness() == arrow_ipc::Endianness::Big {
        return Err("the file is big-endian".into());
    }
    for (index, field) in fields.iter().enumerate() {
        check_field(&field, 0)
            .map_err(|why| format!("field {index} ({:?}): {why}", field.name().unwrap_or("")))?;
    }
    Ok(())
}

fn check_field(field: &arrow_ipc::Field<'_>, depth: usize) -> Result<(), String> {
    use arrow_ipc::{DateUnit, IntervalUnit, Precision, TimeUnit, Type, UnionMode};
    if depth > MAX_DEPTH {
        return Err(format!("types nest deeper than {MAX_DEPTH} levels"));
    }
    if let Some(dictionary) = field.dictionary() {
        let index = dictionary
            .indexType()
            .ok_or("a dictionary without an index type")?;
        if !matches!(index.bitWidth(), 8 | 16 | 32 | 64) {
            return Err(format!("a dictionary index of {} bits", index.bitWidth()));
        }
    }
    let children = field.children().map_or(0, |c| c.len());
    let time_unit = |unit: TimeUnit| {
        matches!(
            unit,
            TimeUnit::SECOND | TimeUnit::MILLISECOND | TimeUnit::MICROSECOND | TimeUnit::NANOSECOND
        )
    };
    let known = match field.type_type() {
        Type::Null
        | Type::Bool
        | Type::Binary
        | Type::BinaryView
        | Type::LargeBinary
        | Type::Utf8
        | Type::Utf8View
        | Type::LargeUtf8
        | Type::Struct_ => true,
        Type::Int => field
            .type_as_int()
            .is_some_and(|t| matches!(t.bitWidth(), 8 | 16 | 32 | 64)),
        Type::FixedSizeBinary => field.type_as_fixed_size_binary().is_some(),
        Type::FloatingPoint => field.type_as_floating_point().is_some_and(|t| {
            matches!(
                t.precision(),
                Precision::HALF | Precision::SINGLE | Precision::DOUBLE
            )
        }),
        Type::Date => field
            .type_as_date()
            .is_some_and(|t| matches!(t.unit(), DateUnit::DAY | DateUnit::MILLISECOND)),
        Type::Time => field.type_as_time().is_some_and(|t| {
            matches!(
                (t.bitWidth(), t.unit()),
                (32, TimeUnit::SECOND | TimeUnit::MILLISECOND)
                    | (64, TimeUnit::MICROSECOND | TimeUnit::NANOSECOND)
            )
        }),
        Type::Timestamp => field
            .type_as_timestamp()
            .is_some_and(|t| time_unit(t.unit())),
        Type::Duration => field
            .type_as_duration()
            .is_some_and(|t| time_unit(t.unit())),
        Type::Interval => field.type_as_interval().is_some_and(|t| {
            matches!(
                t.unit(),
                IntervalUnit::YEAR_MONTH | IntervalUnit::DAY_TIME | IntervalUnit::MONTH_DAY_NANO
            )
        }),
        Type::List | Type::LargeList | Type::ListView | Type::LargeListView => children == 1,
        Type::FixedSizeList => children == 1 && field.type_as_fixed_size_list().is_some(),
        Type::Map => children == 1 && field.type_as_map().is_some(),
        Type::RunEndEncoded => children == 2,
        Type::Decimal => field.type_as_decimal().is_some_and(|t| {
            u8::try_from(t.precision()).is_ok()
                && i8::try_from(t.scale()).is_ok()
                && matches!(t.bitWidth(), 32 | 64 | 128 | 256)
        }),
        Type::Union => field.type_as_union().is_some_and(|t| {
            matches!(t.mode(), UnionMode::Sparse | UnionMode::Dense)
                && t.typeIds().is_none_or(|ids| {
                    let mut seen = [false; 128];
                    ids.len() == children
                        && ids.iter().all(|id| {
                            usize::try_from(id)
                                .is_ok_and(|i| i < 128 && !std::mem::replace(&mut seen[i], true))
                        })
                })
        }),
        _ => false,
    };
    if !known {
        return Err(format!(
            "an unsupported or damaged type ({:?})",
            field.type_type()
        ));
    }
    for child in field.children().iter().flatten() {
        check_field(&child, depth + 1)?;
    }
    Ok(())
}

/// A record (or dictionary) batch message of `data` (metadata then body,
/// `metadata_len` bytes of metadata) fits its body, and its validity bitmaps
/// and value buffers fit the arrays of `schema` (for a dictionary batch: the
/// dictionary's value type, found in `schema` by dictionary id).
pub fn check_message(data: &[u8], metadata_len: usize, schema: &Schema) -> Result<(), String> {
    // The framing arrow-ipc reads: [0xFFFFFFFF] length, flatbuffer, body.
    let flatbuffer = if data.starts_with(&[0xff; 4]) {
        &data[8..]
    } else {
        &data[4..]
    };
    let message: Message<'_> = arrow_ipc::root_as_message(flatbuffer)
        .map_err(|e| format!("its message header is damaged: {e}"))?;
    let (batch, types): (_, Vec<DataType>) = match message.header_type() {
        MessageHeader::RecordBatch => (
            message.header_as_record_batch(),
            schema
                .fields()
                .iter()
                .map(|f| f.data_type().clone())
                .collect(),
        ),
        MessageHeader::DictionaryBatch => {
            let Some(dictionary) = message.header_as_dictionary_batch() else {
                return Ok(());
            };
            let batch = dictionary.data().ok_or("a dictionary batch without data")?;
            #[allow(deprecated)] // arrow-ipc 59 itself finds dictionaries by id
            let values = schema
                .fields_with_dict_id(dictionary.id())
                .first()
                .and_then(|f| match f.data_type() {
                    DataType::Dictionary(_, values) => Some(values.as_ref().clone()),
                    _ => None,
                });
            (Some(batch), values.into_iter().collect())
        }
        _ => (None, Vec::new()),
    };
    let Some(batch) = batch else { return Ok(()) };
    let body_len = data.len() - metadata_len;
    for (index, buffer) in batch.buffers().iter().flatten().enumerate() {
        let end = usize::try_from(buffer.offset())
            .ok()
            .zip(usize::try_from(buffer.length()).ok())
            .and_then(|(offset, length)| offset.checked_add(length));
        if end.is_none_or(|end| end > body_len) {
            return Err(format!(
                "buffer {index} (offset {}, {} bytes) lies outside the {body_len}-byte message body",
                buffer.offset(),
                buffer.length()
            ));
        }
    }
    for (index, node) in batch.nodes().iter().flatten().enumerate() {
        if node.length() < 0 || node.null_count() < 0 || node.null_count() > node.length() {
            return Err(format!(
                "field node {index} claims {} values with {} nulls",
                node.length(),
                node.null_count()
            ));
        }
    }
    if batch.compression().is_none() {
        let mut walk = Layout {
            batch,
            node: 0,
            buffer: 0,
        };
        for data_type in &types {
            if !walk.array(data_type)? {
                break;
            }
        }
    }
    Ok(())
}

/// Walks nodes and buffers in the order arrow-ipc's `RecordBatchDecoder`
/// consumes them. Each step answers `Ok(false)` when the layout is not
/// mirrored here (or the metadata runs out: arrow-ipc reports that itself),
/// which ends the walk without an error.
struct Layout<'a> {
    batch: IpcBatch<'a>,
    node: usize,
    buffer: usize,
}

impl Layout<'_> {
    fn next_node(&mut self) -> Option<FieldNode> {
        let node = self.batch.nodes()?.iter().nth(self.node).copied();
        self.node += 1;
        node
    }

    /// The next buffer's length in bytes.
    fn next_buffer(&mut self) -> Option<usize> {
        let buffer = self.batch.buffers()?.iter().nth(self.buffer).copied();
        self.buffer += 1;
        buffer.and_then(|b| usize::try_from(b.length()).ok())
    }

    /// Checks one array of type `data_type` (and its children).
    fn array(&mut self, data_type: &DataType) -> Result<bool, String> {
        use DataType::*;
        let Some(node) = self.next_node() else {
            return Ok(false);
        };
        let values = usize::try_from(node.length()).unwrap_or(usize::MAX);
        // Every mirrored layout except Null starts with the validity bitmap.
        if *data_type != Null {
            let Some(validity) = self.next_buffer() else {
                return Ok(false);
            };
            if node.null_count() > 0 && validity.saturating_mul(8) < values {
                return Err(format!(
                    "a validity bitmap of {validity} bytes for {values} values of type {data_type}"
                ));
            }
        }
        let whole = |this: &mut Self, width: usize| -> Result<bool, String> {
            let Some(len) = this.next_buffer() else {
                return Ok(false);
            };
            if len % width != 0 {
                return Err(format!(
                    "a buffer of {len} bytes for {width}-byte values of type {data_type}"
                ));
            }
            Ok(true)
        };
        match data_type {
            Null => Ok(true),
            Boolean | FixedSizeBinary(_) => Ok(self.next_buffer().is_some()),
            Utf8 | Binary => Ok(whole(self, 4)? && self.next_buffer().is_some()),
            LargeUtf8 | LargeBinary => Ok(whole(self, 8)? && self.next_buffer().is_some()),
            List(child) | Map(child, _) => Ok(whole(self, 4)? && self.array(child.data_type())?),
            LargeList(child) => Ok(whole(self, 8)? && self.array(child.data_type())?),
            FixedSizeList(child, _) => self.array(child.data_type()),
            Struct(fields) => {
                for field in fields {
                    if !self.array(field.data_type())? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Dictionary(key, _) => match key.primitive_width() {
                Some(width) => whole(self, width),
                None => Ok(false),
            },
            other => match other.primitive_width() {
                Some(width) => whole(self, width),
                None => Ok(false),
            },
        }
    }
}
