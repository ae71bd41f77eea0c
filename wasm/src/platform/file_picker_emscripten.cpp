// Browser implementation of the file-picker seam (wasm/js/storage.js opens the page's
// hidden file input; the page hands the text to labelloop_uploaded_smiles).
#include "platform/file_picker.hpp"

extern "C" void labelloop_open_file_picker();

namespace labelloop::app {

void open_smiles_file_picker() {
    labelloop_open_file_picker();
}

} // namespace labelloop::app
