//! The result value: one [`Measurement`] per system, task shape and task count; the table and
//! the JSON are renderings of a list of them.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

/// What each task does while the benchmark holds it alive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// [`tasks::sleeper`](crate::tasks::sleeper): sleep, then end.
    Sleep,
    /// [`tasks::buffered`](crate::tasks::buffered): hold a
    /// [`BUFFER_BYTES`](crate::tasks::BUFFER_BYTES) buffer across the sleep.
    Buffer,
}

impl Shape {
    /// Both shapes, in table order.
    pub const ALL: [Shape; 2] = [Shape::Sleep, Shape::Buffer];

    /// The name used on the command line, in tables and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Shape::Sleep => "sleep",
            Shape::Buffer => "buffer",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Shape {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Shape::ALL
            .into_iter()
            .find(|shape| shape.name() == name)
            .ok_or_else(|| format!("unknown shape `{name}`: expected `sleep` or `buffer`"))
    }
}

/// The memory `tasks` concurrent tasks of one shape took under one system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    /// The system, e.g. `"tokio"` or `"Go goroutine"`.
    pub system: String,
    /// [`Shape::name`] of the task.
    pub shape: String,
    /// Tasks alive at once when memory was read.
    pub tasks: u64,
    /// Bytes the process's resident memory grew by for all `tasks` tasks (`VmRSS` with every
    /// task parked, minus `VmRSS` before the first was spawned).
    pub measured_bytes: u64,
    /// Bytes a model predicted for all `tasks` tasks before any was spawned, if there is one.
    pub predicted_bytes: Option<u64>,
}

impl Measurement {
    /// Measured bytes per task.
    pub fn per_task(&self) -> f64 {
        self.measured_bytes as f64 / self.tasks.max(1) as f64
    }

    /// Predicted bytes per task.
    pub fn predicted_per_task(&self) -> Option<f64> {
        Some(self.predicted_bytes? as f64 / self.tasks.max(1) as f64)
    }

    /// How far the prediction is from the measurement, in percent of the measurement
    /// (positive: the model predicted more than was measured).
    pub fn error_percent(&self) -> Option<f64> {
        let predicted = self.predicted_bytes? as f64;
        let measured = self.measured_bytes as f64;
        (measured > 0.0).then(|| (predicted - measured) / measured * 100.0)
    }

    /// This measurement as a JSON object.
    pub fn to_json(&self) -> Value {
        json!({
            "system": self.system,
            "shape": self.shape,
            "tasks": self.tasks,
            "measured_bytes": self.measured_bytes,
            "predicted_bytes": self.predicted_bytes,
        })
    }

    /// Reads back what [`to_json`](Self::to_json) wrote.
    pub fn from_json(value: &Value) -> Option<Self> {
        Some(Measurement {
            system: value.get("system")?.as_str()?.to_owned(),
            shape: value.get("shape")?.as_str()?.to_owned(),
            tasks: value.get("tasks")?.as_u64()?,
            measured_bytes: value.get("measured_bytes")?.as_u64()?,
            predicted_bytes: match value.get("predicted_bytes")? {
                Value::Null => None,
                predicted => Some(predicted.as_u64()?),
            },
        })
    }
}

/// A run that produced no measurement, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The system, as in [`Measurement::system`].
    pub system: String,
    /// [`Shape::name`] of the task.
    pub shape: String,
    /// Tasks that were asked for.
    pub tasks: u64,
    /// What went wrong, in one line.
    pub reason: String,
}

/// Everything one invocation of the example measured: the value the table, the JSON and the
/// chart are made from.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// `"release"` or `"debug"`: sizes, and so the predictions, depend on it.
    pub build: String,
    /// How long each task slept, in words (`"2 s"`, or the rule that scales it with the count).
    pub sleep: String,
    /// One per system, shape and task count that ran, in the order they ran.
    pub measurements: Vec<Measurement>,
    /// Runs that did not produce one.
    pub failures: Vec<Failure>,
    /// Extra JSON the caller attaches (the breakdown of each prediction, say).
    pub details: Value,
}

impl Results {
    /// The results as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        let failures: Vec<Value> = self
            .failures
            .iter()
            .map(|failure| {
                json!({
                    "system": failure.system,
                    "shape": failure.shape,
                    "tasks": failure.tasks,
                    "reason": failure.reason,
                })
            })
            .collect();
        let value = json!({
            "build": self.build,
            "sleep": self.sleep,
            "measurements": self.measurements.iter().map(Measurement::to_json).collect::<Vec<_>>(),
            "failures": failures,
            "details": self.details,
        });
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    }
}

impl fmt::Display for Results {
    /// The table: one row per measurement, grouped by shape, then system (in the order they ran),
    /// then task count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Systems in the order they first ran.
        let mut systems: Vec<&str> = Vec::new();
        for measurement in &self.measurements {
            if !systems.contains(&measurement.system.as_str()) {
                systems.push(&measurement.system);
            }
        }
        let key = |m: &Measurement| {
            let system = systems.iter().position(|s| *s == m.system);
            (
                m.shape.parse::<Shape>().ok(),
                m.shape.clone(),
                system,
                m.tasks,
            )
        };
        let mut rows: Vec<&Measurement> = self.measurements.iter().collect();
        rows.sort_by_key(|m| key(m));
        let width = rows
            .iter()
            .map(|row| row.system.chars().count())
            .chain([6])
            .max()
            .unwrap_or(6);
        writeln!(
            f,
            "{:<6}  {:<width$}  {:>9}  {:>11}  {:>10}  {:>10}  {:>6}",
            "shape", "system", "tasks", "total", "per task", "predicted", "error"
        )?;
        for row in rows {
            let predicted = row
                .predicted_per_task()
                .map_or("-".to_owned(), per_task_bytes);
            let error = row.error_percent().map_or("-".to_owned(), percent);
            writeln!(
                f,
                "{:<6}  {:<width$}  {:>9}  {:>11}  {:>10}  {:>10}  {:>6}",
                row.shape,
                row.system,
                thousands(row.tasks),
                megabytes(row.measured_bytes),
                per_task_bytes(row.per_task()),
                predicted,
                error
            )?;
        }
        writeln!(
            f,
            "(total: resident memory the tasks added, MB = 10^6 bytes; per task: total / tasks; \
             predicted from the layout before spawning; error: predicted against measured)"
        )?;
        if !self.failures.is_empty() {
            writeln!(f, "not measured:")?;
            for failure in &self.failures {
                writeln!(
                    f,
                    "  {} {} x {}: {}",
                    failure.system,
                    failure.shape,
                    thousands(failure.tasks),
                    failure.reason
                )?;
            }
        }
        Ok(())
    }
}

/// A signed percentage to one decimal, without a negative zero: `"+0.3%"`, `"-8.9%"`.
pub fn percent(value: f64) -> String {
    let tenths = (value * 10.0).round();
    format!("{:+.1}%", if tenths == 0.0 { 0.0 } else { tenths / 10.0 })
}

/// Decimal megabytes, as the public benchmarks give them: `"1,536.0 MB"`.
pub fn megabytes(bytes: u64) -> String {
    let tenths = (bytes + 50_000) / 100_000;
    format!("{}.{} MB", thousands(tenths / 10), tenths % 10)
}

/// Bytes per task: one decimal below 10,000, whole bytes above, with separators.
pub fn per_task_bytes(bytes: f64) -> String {
    if bytes < 10_000.0 {
        let tenths = (bytes * 10.0).round() as u64;
        format!("{}.{} B", thousands(tenths / 10), tenths % 10)
    } else {
        format!("{} B", thousands(bytes.round() as u64))
    }
}

/// `1234567` -> `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
