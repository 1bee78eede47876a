//! AWS: the project's INI files under `~/.aws/<short>/` and the SDK calls leverage makes.

pub mod cli;
pub mod client;
pub mod files;
pub mod ini;
pub mod regions;

pub use client::{
    AccessKeyInfo, AwsError, AwsKeys, CallerIdentity, Client, OrganizationAccount,
    TemporaryCredentials, VirtualMfaDevice,
};
pub use files::{AwsFile, AwsFiles, AwsFilesError};
pub use ini::Ini;
