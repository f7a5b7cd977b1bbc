//! The multipart form every file upload takes, and the shapes it answers
//! with: an activity's material and a meeting's document alike.

use lvzhi_shared::ErrorCode;
use lvzhi_shared::activities::Material;
use poem_openapi::payload::{Attachment, AttachmentType};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiResponse, Multipart};

use super::Json;
use crate::error::AppError;

/// A titled file.
#[derive(Multipart)]
pub struct FileUpload {
    pub title: String,
    /// PDF, Word, PowerPoint, Excel, JPEG, PNG or MP4.
    pub file: Upload,
}

/// What was sent: its title, the name it was uploaded under, its bytes.
pub struct Received {
    pub title: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl FileUpload {
    pub async fn receive(self) -> Result<Received, AppError> {
        let file_name = self.file.file_name().unwrap_or("file").to_owned();
        let bytes = self.file.into_vec().await.map_err(|e| {
            AppError::new(
                ErrorCode::InvalidBody,
                format!("the upload cannot be read: {e}"),
            )
            .with_field("file")
        })?;
        Ok(Received {
            title: self.title,
            file_name,
            bytes,
        })
    }
}

#[derive(ApiResponse)]
pub enum FileCreated {
    #[oai(status = 201)]
    Created(Json<Material>),
}

#[derive(ApiResponse)]
pub enum FileRemoved {
    #[oai(status = 204)]
    NoContent,
}

/// The stored bytes as a download, under their name when it is plain ASCII
/// (a header cannot carry more without encoding).
pub fn download(content: Vec<u8>, file_name: Option<String>) -> Attachment<Vec<u8>> {
    let file = Attachment::new(content).attachment_type(AttachmentType::Attachment);
    match file_name.filter(|n| n.is_ascii()) {
        Some(name) => file.filename(name),
        None => file,
    }
}
