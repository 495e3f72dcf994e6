//! The acceptance-test harness: one shared test bed per test process (a real kube-apiserver on
//! etcd, started by `testbed.sh`), working directories in which the real `tofu` binary runs
//! against the built provider through `dev_overrides`, and a small cluster client for asserting
//! on what landed; the real Flux controllers as local processes, and real Git and Helm sources
//! on loopback.

pub mod bed;
pub mod cluster;
pub mod controllers;
pub mod faults;
pub mod flux;
pub mod sources;
pub mod workdir;

pub use bed::{Bed, bed};
pub use cluster::Cluster;
pub use workdir::WorkDir;
