// Platform seam: let the user pick a text file (a SMILES list). The answer arrives later, on
// the frame loop, through App::set_uploaded_smiles. Browser: a hidden <input type=file>.
#pragma once

namespace labelloop::app {

void open_smiles_file_picker();

} // namespace labelloop::app
