// Import readers: CSV (quotes, CRLF, BOM, column choice, bad rows with row numbers) and SDF.
#include "chem/readers.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace labelloop::chem;

TEST_CASE("CSV rows keep their line numbers, bad rows are reported, good rows kept",
          "[import][csv]") {
    const std::string csv = "\xEF\xBB\xBFName,SMILES,logS\r\n"
                            "ethanol,CCO,0.5\r\n"
                            "\"quoted, name\",c1ccccc1,-1.5\r\n"
                            "no smiles,,1\r\n"
                            "bad label,CCN,abc\r\n"
                            "nan label,CCC,nan\r\n"
                            "unlabeled,CCCl,\r\n"
                            "short row,CC\r\n"
                            "\"multi\nline\",CO,2\r\n";
    const auto result = read_csv(csv, CsvColumns{"smiles", "name", "logs"});
    REQUIRE(result.records.size() == 4);
    CHECK(result.records[0].row == 2);
    CHECK(result.records[0].external_id == "ethanol");
    CHECK(result.records[0].label == 0.5);
    CHECK(result.records[1].external_id == "quoted, name");
    CHECK(result.records[1].label == -1.5);
    CHECK(result.records[2].external_id == "unlabeled");
    CHECK_FALSE(result.records[2].label.has_value());
    CHECK(result.records[3].external_id == "multi\nline");
    CHECK(result.records[3].row == 9);
    REQUIRE(result.errors.size() == 4);
    CHECK(result.errors[0].row == 4);
    CHECK(result.errors[0].reason == "the SMILES cell is empty");
    CHECK(result.errors[1].row == 5);
    CHECK(result.errors[1].reason == "label 'abc' is not a number");
    CHECK(result.errors[2].row == 6);
    CHECK(result.errors[2].reason == "label 'nan' is not a finite number");
    CHECK(result.errors[3].row == 8);
    CHECK(result.errors[3].reason == "has 2 fields but the header has 3");
}

TEST_CASE("a missing column or a broken file fails as a whole with a clear message",
          "[import][csv]") {
    CHECK_THROWS_WITH(read_csv("a,b\n1,2\n", CsvColumns{"smiles", "", ""}),
                      "the SMILES column 'smiles' is not in the CSV header; the columns are "
                      "'a', 'b'");
    CHECK_THROWS_WITH(read_csv("smiles,y\nCCO,1\n", CsvColumns{"smiles", "", "label"}),
                      Catch::Contains("the label column 'label' is not in the CSV header"));
    CHECK_THROWS_WITH(read_csv("", CsvColumns{}), Catch::Contains("empty"));
    CHECK_THROWS_WITH(read_csv("smiles\n\"CCO\n", CsvColumns{}),
                      "line 2: a quoted field is never closed (missing '\"')");
}

TEST_CASE("SDF records are read with their properties, broken records are reported",
          "[import][sdf]") {
    const std::string ethanol =
        "ethanol\n  RDKit          2D\n\n"
        "  3  2  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\n  2  3  1  0\nM  END\n";
    const std::string sdf = ethanol + "> <ID>\nE-1\n\n> <logS>\n1.1\n\n$$$$\n" +
                            "broken\n  junk\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\nM  END\n" +
                            "> <ID>\nB-2\n\n$$$$\n" + ethanol +
                            "> <ID>\nE-3\n\n> <logS>\nhigh\n\n$$$$\n";
    const auto result = read_sdf(sdf, SdfFields{"ID", "logS"});
    REQUIRE(result.records.size() == 1);
    CHECK(result.records[0].row == 1);
    CHECK(result.records[0].smiles == "CCO");
    CHECK(result.records[0].external_id == "E-1");
    CHECK(result.records[0].label == 1.1);
    REQUIRE(result.errors.size() == 2);
    CHECK(result.errors[0].row == 2);
    CHECK(result.errors[0].reason.find("could not be read") != std::string::npos);
    CHECK(result.errors[1].row == 3);
    CHECK(result.errors[1].reason == "label 'high' is not a number");

    const auto titles = read_sdf(ethanol + "$$$$\n", SdfFields{});
    REQUIRE(titles.records.size() == 1);
    CHECK(titles.records[0].external_id == "ethanol");
    CHECK_THROWS_AS(read_sdf(" \n", SdfFields{}), ImportFileError);
}
