// Uploads one file as a raw body with XMLHttpRequest, which (unlike fetch)
// reports upload progress. Browser only: in the desktop window a Blob body
// crashes WebKitGTK, and files come in as native paths instead.
import { ApiError, decodeImportResult, type Client, type ImportResult } from '../lib/api';
import type { Transport } from './uploads';

export function xhrTransport(
  api: Client,
  projectId: number,
  XHR: typeof XMLHttpRequest = XMLHttpRequest,
): Transport<File> {
  return (file, onProgress) =>
    new Promise<ImportResult>((resolve, reject) => {
      const xhr = new XHR();
      xhr.open('POST', api.uploadUrl(projectId, file.name));
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => {
        if (xhr.status < 200 || xhr.status >= 300) {
          reject(api.failure(xhr.status, xhr.statusText, xhr.responseText));
          return;
        }
        try {
          resolve(decodeImportResult(JSON.parse(xhr.responseText) as unknown));
        } catch (e) {
          reject(e instanceof ApiError ? e : new ApiError('internal', 'unexpected response from the server (import)', 0));
        }
      };
      // The server may close the connection on a file that is too large
      // before the browser has finished sending it: no status then.
      xhr.onerror = () =>
        reject(new ApiError('network', 'the upload was cut off (the server is unreachable or refused the file)', 0));
      xhr.onabort = () => reject(new ApiError('network', 'the upload was cancelled', 0));
      xhr.send(file);
    });
}
