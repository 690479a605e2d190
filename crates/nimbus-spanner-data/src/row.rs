//! Statements with typed parameters, and rows read by column name or index.

use crate::value::{FromSpanner, ToSpanner, Value, type_name};
use nimbus_core::{Error, ErrorKind};
use nimbus_spanner::types::{Field, ResultSetMetadata, Type};
use serde_json::Value as JsonValue;
use std::collections::HashMap;
use std::sync::Arc;

/// A SQL statement and its parameters (`@name` in the SQL), each with its
/// Spanner type inferred from the Rust value.
///
/// ```
/// use nimbus_spanner_data::Statement;
/// let statement = Statement::new("SELECT Name FROM Singers WHERE Id = @id").bind("id", 7i64);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub(crate) sql: String,
    pub(crate) params: HashMap<String, JsonValue>,
    pub(crate) param_types: HashMap<String, Type>,
}

impl Statement {
    /// A statement without parameters.
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement { sql: sql.into(), ..Statement::default() }
    }

    /// Binds parameter `@name` to `value`.
    pub fn bind(mut self, name: impl Into<String>, value: impl ToSpanner) -> Statement {
        let name = name.into();
        let (json, ty) = value.to_spanner().into_parts();
        self.params.insert(name.clone(), json);
        self.param_types.insert(name, ty);
        self
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

impl From<&str> for Statement {
    fn from(sql: &str) -> Statement {
        Statement::new(sql)
    }
}

impl From<String> for Statement {
    fn from(sql: String) -> Statement {
        Statement::new(sql)
    }
}

/// The columns of a result: names and types, shared by its rows.
#[derive(Debug, Default)]
pub struct Columns {
    names: Vec<String>,
    types: Vec<Type>,
}

impl Columns {
    pub(crate) fn from_metadata(metadata: Option<&ResultSetMetadata>) -> Columns {
        Columns::from_fields(metadata.and_then(|m| m.row_type.as_ref()).and_then(|t| t.fields.as_deref()).unwrap_or_default())
    }

    fn from_fields(fields: &[Field]) -> Columns {
        Columns {
            names: fields.iter().map(|f| f.name.clone().unwrap_or_default()).collect(),
            types: fields.iter().map(|f| f.r#type.clone().unwrap_or_default()).collect(),
        }
    }

    /// The column names in order (an unnamed column is `""`).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The Spanner type of column `index`.
    pub fn column_type(&self, index: usize) -> Option<&Type> {
        self.types.get(index)
    }
}

/// A column by name (`"SingerId"`) or by position (`0`).
pub trait ColumnIndex {
    /// The position of the column in `columns`.
    fn position(&self, columns: &Columns) -> Result<usize, String>;
}

impl ColumnIndex for usize {
    fn position(&self, columns: &Columns) -> Result<usize, String> {
        if *self < columns.len() { Ok(*self) } else { Err(format!("no column {self}: the row has {}", columns.len())) }
    }
}

impl ColumnIndex for &str {
    fn position(&self, columns: &Columns) -> Result<usize, String> {
        columns.names.iter().position(|n| n == self).ok_or_else(|| format!("no column named `{self}` (columns: {:?})", columns.names))
    }
}

/// One row of a result.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<Columns>,
    values: Vec<JsonValue>,
}

impl Row {
    pub(crate) fn new(columns: Arc<Columns>, values: Vec<JsonValue>) -> Row {
        Row { columns, values }
    }

    /// The value of `column` (a name or an index) as `T`: an error names the
    /// column, its Spanner type and the Rust type asked for.
    ///
    /// ```
    /// # fn demo(row: &nimbus_spanner_data::Row) -> Result<(), nimbus_spanner::Error> {
    /// let id: i64 = row.get("SingerId")?;
    /// let name: Option<String> = row.get(1)?;
    /// # Ok(()) }
    /// ```
    pub fn get<T: FromSpanner>(&self, column: impl ColumnIndex) -> Result<T, Error> {
        let index = column.position(&self.columns).map_err(|why| Error::new(ErrorKind::Decode, why))?;
        let ty = self.columns.types.get(index).cloned().unwrap_or_default();
        let json = self.values.get(index).unwrap_or(&JsonValue::Null);
        T::from_spanner(json, &ty).map_err(|why| {
            let name = &self.columns.names[index];
            Error::new(
                ErrorKind::Decode,
                format!("column {index} `{name}` ({}) cannot be read as {}: {why}", type_name(&ty), std::any::type_name::<T>()),
            )
        })
    }

    /// The columns of the row.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// The value of column `index` with its type, when it exists.
    pub fn value(&self, index: usize) -> Option<Value> {
        let ty = self.columns.types.get(index)?.clone();
        let json = self.values.get(index)?.clone();
        Some(crate::value::typed(json, ty))
    }

    /// The raw JSON values, in column order.
    pub fn values(&self) -> &[JsonValue] {
        &self.values
    }
}

/// The rows of a query and what came with them.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// The rows, in the order the server sent them.
    pub rows: Vec<Row>,
    /// The columns of the rows.
    pub columns: Arc<Columns>,
    /// The timestamp the read was done at, when it was asked for (read-only
    /// transactions).
    pub read_timestamp: Option<nimbus_core::DateTime>,
}

impl QueryResult {
    pub(crate) fn from_result_set(set: nimbus_spanner::types::ResultSet) -> QueryResult {
        let columns = Arc::new(Columns::from_metadata(set.metadata.as_ref()));
        let read_timestamp = set.metadata.as_ref().and_then(|m| m.transaction.as_ref()).and_then(|t| t.read_timestamp);
        let rows = set.rows.unwrap_or_default().into_iter().map(|values| Row::new(columns.clone(), values)).collect();
        QueryResult { rows, columns, read_timestamp }
    }
}

/// A `STRUCT` inside an array value (`ARRAY<STRUCT<...>>`) reads as a
/// [`Row`] whose columns are the struct's fields.
impl FromSpanner for Row {
    fn from_spanner(json: &JsonValue, ty: &Type) -> Result<Self, String> {
        let fields = ty.struct_type.as_ref().and_then(|s| s.fields.as_deref()).ok_or_else(|| format!("the column is {}", type_name(ty)))?;
        let values = json.as_array().ok_or_else(|| format!("the STRUCT value is not a list: {json}"))?;
        Ok(Row::new(Arc::new(Columns::from_fields(fields)), values.clone()))
    }
}
