// CSV: features and labels with and without a header, label columns by name and index, named classes, quoting,
// delimiters, and every error naming the file, line and column.
#include "tessera/data/csv.h"

#include <fstream>

#include "data/data_testing.h"
#include "testing.h"

namespace tessera {
namespace {

using namespace tessera::testing;
using data::CsvOptions;
using data::load_csv;

std::string write_text(const TempDir& dir, const std::string& text, const std::string& name = "t.csv") {
  std::ofstream(dir.file(name), std::ios::binary) << text;
  return dir.file(name);
}

TEST(CsvTest, ReadsFeaturesAndTheLastColumnAsLabels) {
  TempDir dir;
  const std::string path = write_text(dir, "a,b,label\n1.5,-2,0\r\n\n 3e-1 , +4 ,2\n5,nan,1\n");
  const data::CsvTable t = load_csv(path);
  EXPECT_EQ(t.features.dtype(), kFloat32);
  EXPECT_EQ(t.features.shape(), (Shape{3, 2}));
  expect_near(t.features.narrow(0, 0, 2), {1.5, -2, 0.3, 4});
  EXPECT_TRUE(std::isnan(doubles(t.features)[5]));
  EXPECT_EQ(t.labels.dtype(), kInt64);
  EXPECT_EQ(ivalues(t.labels), (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.label_name, "label");
  EXPECT_TRUE(t.classes.empty());
}

TEST(CsvTest, LabelColumnByNameOrIndexWithoutHeaderAndOtherDelimiters) {
  TempDir dir;
  const std::string path = write_text(dir, "y;x1;x2\n1;10;20\n0;30;40\n");
  const CsvOptions by_name{.label = std::string("y"), .delimiter = ';'};
  const data::CsvTable t = load_csv(path, by_name);
  EXPECT_EQ(ivalues(t.labels), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(doubles(t.features), (std::vector<double>{10, 20, 30, 40}));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"x1", "x2"}));
  // The same column by index 0 and by -3.
  for (int64_t i : {int64_t{0}, int64_t{-3}}) {
    EXPECT_EQ(ivalues(load_csv(path, {.label = i, .delimiter = ';'}).labels), (std::vector<int64_t>{1, 0}));
  }
  // No header: every line is a row; the middle column as label ("2.0" is an integer).
  const std::string raw = write_text(dir, "1\t2.0\t3\n4\t5\t6\n", "raw.tsv");
  const data::CsvTable r = load_csv(raw, {.label = int64_t{1}, .header = false, .delimiter = '\t'});
  EXPECT_EQ(ivalues(r.labels), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(doubles(r.features), (std::vector<double>{1, 3, 4, 6}));
  EXPECT_EQ(r.feature_names, (std::vector<std::string>{"column 1", "column 3"}));
  EXPECT_EQ(r.label_name, "column 2");
}

TEST(CsvTest, NamedClassesQuotingAndEmptyTables) {
  TempDir dir;
  const std::string path =
      write_text(dir, "\"sepal, length\",species\n5.1,setosa\n7.0,\"versi\"\"color\"\n4.9,setosa\n6.3,  virginica\n");
  const data::CsvTable t = load_csv(path, {.label_names = true});
  EXPECT_EQ(t.classes, (std::vector<std::string>{"setosa", "versi\"color", "virginica"}));
  EXPECT_EQ(ivalues(t.labels), (std::vector<int64_t>{0, 1, 0, 2}));
  EXPECT_EQ(t.feature_names, std::vector<std::string>{"sepal, length"});
  expect_near(t.features, {5.1, 7.0, 4.9, 6.3});

  const data::CsvTable e = load_csv(write_text(dir, "a,b,c\n", "e.csv"));
  EXPECT_EQ(e.features.shape(), (Shape{0, 2}));
  EXPECT_EQ(e.labels.shape(), Shape{0});
}

TEST(CsvTest, DatasetGivesFeatureRowsAndScalarLabels) {
  TempDir dir;
  const data::CsvDataset ds(write_text(dir, "a,b,y\n1,2,3\n4,5,6\n"));
  EXPECT_EQ(ds.size(), 2);
  const std::vector<Tensor> ex = ds.get(1);
  EXPECT_EQ(ex[0].shape(), Shape{2});
  EXPECT_EQ(doubles(ex[0]), (std::vector<double>{4, 5}));
  EXPECT_EQ(ex[1].shape(), Shape{});
  EXPECT_EQ(ex[1].item<int64_t>(), 6);
  EXPECT_EQ(ds.table().label_name, "y");
}

TEST(CsvTest, ErrorsNameTheFileLineAndColumn) {
  TempDir dir;
  const auto fails_io = [&](const std::string& text, std::initializer_list<std::string> parts,
                            const CsvOptions& o = {}) {
    const std::string path = write_text(dir, text, "bad.csv");
    expect_error<IOError>([&] { load_csv(path, o); }, parts);
  };
  expect_error<IOError>([&] { load_csv(dir.file("missing.csv")); }, "missing.csv");
  fails_io("", {"bad.csv", "is empty"});
  fails_io("\n  \n", {"bad.csv", "is empty"});
  fails_io("a,b,y\n1,2,0\n\n3,4\n", {"bad.csv' line 4", "ragged row of 2 cells, expected 3", "as line 1"});
  fails_io("a,b,y\n1,x2,0\n", {"bad.csv' line 2, column 2 ('b')", "'x2' is not a number"});
  fails_io("a,b,y\n1,,0\n", {"line 2, column 2 ('b')", "empty cell"});
  fails_io("a,b,y\n1,2,0.5\n", {"line 2, column 3 ('y')", "label '0.5' is not an integer"});
  fails_io("a,b,y\n1,2,cat\n", {"line 2, column 3 ('y')", "'cat' is not a number"});
  fails_io("a,b,y\n1,2,\n", {"line 2, column 3", "empty label"}, {.label_names = true});
  fails_io("a,\"b,y\n", {"line 1, column 2", "unterminated quote"});
  fails_io("a,\"b\"x,y\n", {"line 1, column 2", "text after a closing quote"});

  const std::string ok = write_text(dir, "a,b,y\n1,2,3\n", "ok.csv");
  expect_error<KeyError>([&] { load_csv(ok, {.label = std::string("label")}); },
                         {"ok.csv", "no label column 'label'", "'a', 'b', 'y'"});
  expect_error<KeyError>([&] { load_csv(ok, {.label = std::string("y"), .header = false}); }, "has no header");
  expect_error<IndexError>([&] { load_csv(ok, {.label = int64_t{3}}); }, {"ok.csv", "label column 3", "3 columns"});
  expect_error<IndexError>([&] { load_csv(ok, {.label = int64_t{-4}}); }, "label column -4");
  expect_error<ValueError>([&] { load_csv(ok, {.delimiter = '"'}); }, "delimiter");
  expect_error<ValueError>([&] { load_csv(write_text(dir, "y\n1\n", "one.csv")); }, {"one.csv", "no features"});
}

}  // namespace
}  // namespace tessera
